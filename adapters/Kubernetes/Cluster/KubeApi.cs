using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Kubernetes.Cluster;

/// <summary>
/// The adapter's API client for one cluster: every call goes through <see cref="KubeApiErrors"/> (one-line
/// FederationExceptions), and waiting for a pod uses a <see cref="ResumableWatch{T}"/>.
/// </summary>
public sealed class KubeApi(IKubernetes client, string cluster, ILoggerFactory loggers)
{
    public IKubernetes Client => client;
    public string Cluster => cluster;

    public Task<T> CallAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken ct) =>
        KubeApiErrors.CallAsync(cluster, what, () => call(ct), ct);

    public Task CallAsync(string what, Func<CancellationToken, Task> call, CancellationToken ct) =>
        KubeApiErrors.CallAsync(cluster, what, () => call(ct), ct);

    /// <summary>The object, or null when the API server has none (404).</summary>
    public async Task<T?> FindAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken ct) where T : class
    {
        try
        {
            return await CallAsync(what, call, ct);
        }
        catch (FederationException e) when (e.Error == FederationError.NotFound)
        {
            return null;
        }
    }

    /// <summary>Deletes; an object already gone is fine.</summary>
    public async Task DeleteAsync(string what, Func<CancellationToken, Task> call, CancellationToken ct)
    {
        try
        {
            await CallAsync(what, call, ct);
        }
        catch (FederationException e) when (e.Error == FederationError.NotFound)
        {
        }
    }

    /// <summary>A resumable watch of pods matching <paramref name="labelSelector"/> (and <paramref name="fieldSelector"/>) in all namespaces, or in <paramref name="ns"/>.</summary>
    public ResumableWatch<V1Pod> PodWatch(string? ns, string labelSelector, string? fieldSelector = null) => new(
        $"pods {labelSelector}{(fieldSelector is null ? "" : $" {fieldSelector}")} in cluster '{cluster}'",
        async token =>
        {
            var list = ns is null
                ? await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: labelSelector, fieldSelector: fieldSelector, cancellationToken: token)
                : await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, fieldSelector: fieldSelector, cancellationToken: token);
            return (list.Items.ToList(), list.Metadata?.ResourceVersion ?? "");
        },
        (version, onError, token) => ns is null
            ? client.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: labelSelector, fieldSelector: fieldSelector,
                resourceVersion: version, onError: onError, cancellationToken: token)
            : client.CoreV1.WatchListNamespacedPodAsync(ns, allowWatchBookmarks: true, labelSelector: labelSelector, fieldSelector: fieldSelector,
                resourceVersion: version, onError: onError, cancellationToken: token),
        loggers.CreateLogger<ResumableWatch<V1Pod>>());

    /// <summary>Creates the namespace when it does not exist (as <c>helm install --create-namespace</c> would). Safe to race.</summary>
    public async Task EnsureNamespaceAsync(string ns, CancellationToken ct)
    {
        if (await FindAsync($"read namespace {ns}", t => client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: t), ct) is not null) return;
        try
        {
            await CallAsync($"create namespace {ns}", t => client.CoreV1.CreateNamespaceAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: t), ct);
        }
        catch (FederationException e) when (e.Error == FederationError.AlreadyExists)
        {
        }
    }

    public Task<V1Pod> WaitForReadyAsync(string ns, string name, TimeSpan timeout, CancellationToken ct) =>
        WaitForPodAsync(ns, name, PodStates.IsReady, timeout, ct);

    /// <summary>
    /// Waits, by watch, until <paramref name="done"/> holds for the pod; fails at once when it cannot become so (it ended, or was deleted).
    /// </summary>
    /// <exception cref="FederationException">Unavailable when not so within <paramref name="timeout"/> (with the last state seen), or gone.</exception>
    public async Task<V1Pod> WaitForPodAsync(string ns, string name, Func<V1Pod, bool> done, TimeSpan timeout, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        var last = "not seen yet";
        try
        {
            var deleted = $"pod {ns}/{name} in cluster '{cluster}' was deleted while it started";
            // A pod deleted before the first list shows no deletion: the list not finding it says so.
            void ThrowWhenAbsent(IReadOnlyDictionary<string, V1Pod> known)
            {
                if (!known.ContainsKey($"{ns}/{name}")) throw FederationException.Unavailable(deleted);
            }
            await foreach (var (type, pod) in PodWatch(ns, "", $"metadata.name={name}").RunAsync(initial: true, bound.Token, ThrowWhenAbsent))
            {
                if (type == WatchEventType.Deleted) throw FederationException.Unavailable(deleted);
                last = PodStates.Describe(pod);
                if (done(pod)) return pod;
                if (pod.Status?.Phase is "Failed" or "Succeeded") throw FederationException.Unavailable($"pod {ns}/{name} in cluster '{cluster}' ended: {last}");
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        ct.ThrowIfCancellationRequested();
        throw FederationException.Unavailable($"pod {ns}/{name} in cluster '{cluster}' was not ready within {timeout.TotalSeconds:0} s: {last}");
    }

    /// <summary>
    /// Waits until the pod is gone: by watch (its deletion), and by reading it now and then with backoff, since a pod
    /// already gone before the watch's first list never shows a deletion.
    /// </summary>
    public async Task WaitForGoneAsync(string ns, string name, TimeSpan timeout, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        var watched = WatchDeletionAsync(ns, name, bound.Token);
        var read = ReadUntilGoneAsync(ns, name, bound.Token);
        var first = await Task.WhenAny(watched, read);
        var gone = first.IsCompletedSuccessfully;
        await bound.CancelAsync();
        try { await Task.WhenAll(watched, read); }
        catch (Exception) when (bound.IsCancellationRequested) { }
        ct.ThrowIfCancellationRequested();
        if (!gone) throw FederationException.Unavailable($"pod {ns}/{name} in cluster '{cluster}' was still there {timeout.TotalSeconds:0} s after its deletion");
    }

    private async Task WatchDeletionAsync(string ns, string name, CancellationToken ct)
    {
        await foreach (var (type, _) in PodWatch(ns, "", $"metadata.name={name}").RunAsync(initial: true, ct))
        {
            if (type == WatchEventType.Deleted) return;
        }
        ct.ThrowIfCancellationRequested();
    }

    private async Task ReadUntilGoneAsync(string ns, string name, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await FindAsync($"read pod {ns}/{name}", token => client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: token), ct) is null) return;
            await Task.Delay(Common.Retry.Backoff.Delay(attempt, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5)), ct);
        }
    }

    public static bool IsStatus(Exception e, HttpStatusCode code) => KubeApiErrors.StatusOf(e) == code;
}
