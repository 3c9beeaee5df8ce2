using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// What a real client's informer does: lists one kind across all namespaces, then watches from the list's
/// resourceVersion, resumes from the last resourceVersion it saw when a stream ends or fails (backing off with
/// jitter), and lists again when the server answers 410 Gone (the history it needs was compacted), reporting
/// objects that disappeared meanwhile as deleted. Keeps the objects it knows, keyed by namespace/name.
/// </summary>
/// <param name="kind">For log lines, e.g. "pods".</param>
/// <param name="list">Lists every object of the kind.</param>
/// <param name="watch">Watches from a resourceVersion, reporting errors (such as a 410 Gone status event) to the callback.</param>
public sealed partial class KubeInformer<T, TList>(
    string kind,
    Func<CancellationToken, Task<TList>> list,
    Func<string?, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch,
    ILogger logger)
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : class, IItems<T>, IMetadata<V1ListMeta>
{
    private readonly Dictionary<string, T> known = new();
    private readonly Lock gate = new();
    private readonly WatchBackoff backoff = new();

    /// <summary>Called for every object added or changed, in order (from the informer's one task).</summary>
    public Func<T, CancellationToken, Task> OnUpsert { get; init; } = (_, _) => Task.CompletedTask;

    /// <summary>Called for every object deleted, or found gone by a relist.</summary>
    public Func<T, CancellationToken, Task> OnDelete { get; init; } = (_, _) => Task.CompletedTask;

    /// <summary>The resourceVersion the next watch resumes from.</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>How many times the informer listed (the first list, then after each 410 Gone).</summary>
    public int Lists { get; private set; }

    /// <summary>Completed once the first list has been delivered.</summary>
    public Task Synced => synced.Task;

    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static string KeyOf(T item) => $"{item.Metadata.NamespaceProperty}/{item.Metadata.Name}";

    /// <summary>The objects known now.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (gate) return known.Values.ToList();
    }

    /// <summary>Runs until cancelled: list, then watch, resume, relist.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var needList = true;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(ct);
                    needList = false;
                }
                var (gone, events) = await WatchOnceAsync(ct);
                needList = gone;
                if (events > 0 || gone) backoff.Reset();
                // A stream that ended without delivering anything is not resumed in a tight loop.
                else await Task.Delay(backoff.Next(), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                LogGone(logger, kind, ResourceVersion);
                needList = true;
            }
            catch (Exception e)
            {
                LogWatchFailed(logger, kind, e.Message);
                try { await Task.Delay(backoff.Next(), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task ListAsync(CancellationToken ct)
    {
        var body = await list(ct);
        var fresh = body.Items.ToDictionary(KeyOf);
        List<T> gone;
        lock (gate)
        {
            gone = known.Where(k => !fresh.ContainsKey(k.Key) || fresh[k.Key].Metadata.Uid != k.Value.Metadata.Uid).Select(k => k.Value).ToList();
            known.Clear();
            foreach (var (key, item) in fresh) known[key] = item;
        }
        ResourceVersion = body.Metadata?.ResourceVersion;
        Lists++;
        foreach (var item in gone) await OnDelete(item, ct);
        foreach (var item in fresh.Values) await OnUpsert(item, ct);
        synced.TrySetResult();
    }

    /// <summary>One watch stream from <see cref="ResourceVersion"/>: whether the server said the history is gone (relist), and how many events came.</summary>
    private async Task<(bool Gone, int Events)> WatchOnceAsync(CancellationToken ct)
    {
        var gone = false;
        var events = 0;
        Exception? failure = null;
        await foreach (var (type, item) in watch(ResourceVersion, e =>
        {
            if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone }) gone = true;
            else failure ??= e;
        }, ct))
        {
            if (gone || failure is not null) break;
            await ApplyAsync(type, item, ct);
            events++;
        }
        if (gone)
        {
            LogGone(logger, kind, ResourceVersion);
            return (true, events);
        }
        // Resumed from the last resourceVersion applied, so the event that failed comes again.
        if (failure is not null) throw failure;
        return (false, events);
    }

    private async Task ApplyAsync(WatchEventType type, T item, CancellationToken ct)
    {
        if (item.Metadata?.ResourceVersion is { Length: > 0 } rv) ResourceVersion = rv;
        switch (type)
        {
            case WatchEventType.Added or WatchEventType.Modified:
                lock (gate) known[KeyOf(item)] = item;
                await OnUpsert(item, ct);
                break;
            case WatchEventType.Deleted:
                lock (gate) known.Remove(KeyOf(item));
                await OnDelete(item, ct);
                break;
        }
        // Bookmarks only move the resourceVersion on.
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "watch of {Kind} from resourceVersion {ResourceVersion}: 410 Gone, listing again")]
    private static partial void LogGone(ILogger logger, string kind, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "watch of {Kind} failed, resuming after a backoff: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, string kind, string reason);
}
