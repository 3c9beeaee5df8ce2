using System.Collections.Concurrent;
using Federation.Adapters;
using Federation.V1;

namespace Federation.Kubernetes.Tests;

/// <summary>The Engine client as the adapter sees it: every Engine answers at once; pulls are recorded and fail when told to.</summary>
internal sealed class RecordingEngines : IRuntimeEngines
{
    /// <summary>The calls in the order they came: "engine", "pull IMAGE", "app", "place IMAGE".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentQueue<(Uri Engine, PullImageRequest Request)> Pulls { get; } = new();

    /// <summary>Thrown by every pull when set (as the real client reports a failed pull).</summary>
    public FederationException? PullFailure { get; set; }

    public string Credential => "fedtest-credential";

    public Task<DescribeResponse> DescribeAsync(Uri engine, CancellationToken ct) => throw new NotSupportedException();

    public Task WaitForEngineAsync(Uri engine, string runtime, TimeSpan timeout, Func<CancellationToken, Task<string?>> whyGone, CancellationToken ct)
    {
        Calls.Enqueue("engine");
        return Task.CompletedTask;
    }

    public Task WaitForAppAsync(WorkloadInfo workload, TimeSpan timeout, CancellationToken ct)
    {
        Calls.Enqueue("app");
        return Task.CompletedTask;
    }

    public Task<IReadOnlyCollection<string>> PlaceImageAsync(Uri engine, string image, Func<CancellationToken, Task<Stream>> openArchive, CancellationToken ct)
    {
        Calls.Enqueue($"place {image}");
        return Task.FromResult<IReadOnlyCollection<string>>([image]);
    }

    public Task<PullImageProgress> PullImageAsync(Uri engine, PullImageRequest request, IProgress<PullImageProgress>? progress, CancellationToken ct)
    {
        Calls.Enqueue($"pull {request.Image}");
        Pulls.Enqueue((engine, request.Clone()));
        if (PullFailure is { } failure) throw failure;
        return Task.FromResult(new PullImageProgress { Completed = true, Status = "Pull complete", ImageId = "sha256:0123" });
    }
}
