using Federation.V1;

namespace Federation.Adapters;

/// <summary>
/// The coordinator's one client of runtime Engines, lent to adapters so none of them speaks Engine gRPC
/// itself: an adapter starts runtimes the way its orchestrator does and asks this for everything that
/// happens inside one (readiness, images, what the runtime can do).
/// </summary>
public interface IRuntimeEngines
{
    /// <summary>
    /// The credential every runtime's Engine of this cluster demands (FEDERATION_ENGINE_TOKEN): an adapter
    /// gives it to each runtime it starts; every call made through this client carries it.
    /// </summary>
    string Credential { get; }

    /// <summary>The Engine's own description: versions, kernel, architecture, dirty tracking, images.</summary>
    Task<DescribeResponse> DescribeAsync(Uri engine, CancellationToken ct);

    /// <summary>
    /// Registers an app in the runtime as passive (waiting for a restore) through its Engine, as its Ambassador would when it
    /// starts: the target is ready without waiting for the Ambassador's process; the Ambassador's own registration is then a
    /// no-op. Its image must be in the runtime. The default does nothing (the Ambassador registers it).
    /// </summary>
    Task RegisterPassiveAppAsync(Uri engine, AppSpec spec, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Waits until the Engine answers and its inner dockerd is ready.</summary>
    /// <param name="whyGone">Asked between attempts: a reason when the runtime can no longer become ready (its Engine exited), else null.</param>
    /// <exception cref="FederationException">Unavailable: not ready within <paramref name="timeout"/>, or gone.</exception>
    Task WaitForEngineAsync(Uri engine, string runtime, TimeSpan timeout, Func<CancellationToken, Task<string?>> whyGone, CancellationToken ct);

    /// <summary>Waits until the workload's app serves (active) or waits for its restore (target).</summary>
    /// <exception cref="FederationException">Unavailable, with the last state seen, when not ready within <paramref name="timeout"/>.</exception>
    Task WaitForAppAsync(WorkloadInfo workload, TimeSpan timeout, CancellationToken ct);

    /// <summary>Makes <paramref name="image"/> available in the runtime: nothing when it has it, else streams the archive (<c>docker save</c> format) into it.</summary>
    /// <param name="openArchive">Opens the image archive where the orchestrator keeps images (a host's dockerd, a registry).</param>
    /// <returns>The images the runtime holds afterwards.</returns>
    Task<IReadOnlyCollection<string>> PlaceImageAsync(Uri engine, string image, Func<CancellationToken, Task<Stream>> openArchive, CancellationToken ct);

    /// <summary>
    /// Makes the runtime's inner dockerd pull the image from its registry (the way a cluster's nodes get images), the
    /// registry's CA and credentials given with the request; nothing is fetched when the runtime has the image.
    /// </summary>
    /// <param name="progress">Gets Docker's steps as they come (optional).</param>
    /// <returns>The last message: completed, already present or not, the image's id and digests.</returns>
    /// <exception cref="FederationException">NotFound: no such image in the registry; Unavailable: registry unreachable or the
    /// pull's timeout passed; FailedPrecondition: registry certificate not trusted; PermissionDenied: credentials refused.</exception>
    Task<PullImageProgress> PullImageAsync(Uri engine, PullImageRequest request, IProgress<PullImageProgress>? progress, CancellationToken ct);
}
