using System.Runtime.CompilerServices;
using Federation.Common.Retry;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Kubernetes.Cluster;

/// <summary>
/// A list-then-watch of one kind of object that neither loses nor repeats a change: it lists (keeping what it saw),
/// watches from the list's resourceVersion, resumes a dropped stream from the last resourceVersion it saw, and on
/// <c>410 Gone</c> (history compacted) lists again and reports only the difference to what it had. Failures back off
/// with jitter (<see cref="Backoff.Delay"/>). Runs until cancelled.
/// </summary>
public sealed partial class ResumableWatch<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    public delegate Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListCall(CancellationToken ct);
    public delegate IAsyncEnumerable<(WatchEventType Type, T Object)> WatchCall(string resourceVersion, Action<Exception> onError, CancellationToken ct);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    private readonly ListCall list;
    private readonly WatchCall watch;
    private readonly ILogger logger;
    private readonly string what;
    private readonly Dictionary<string, T> known = new(StringComparer.Ordinal);

    public ResumableWatch(string what, ListCall list, WatchCall watch, ILogger logger)
    {
        this.what = what;
        this.list = list;
        this.watch = watch;
        this.logger = logger;
    }

    /// <summary>How many times the stream was resumed and how many times it listed again after 410 (for tests and logs).</summary>
    public int Resumes { get; private set; }
    public int Relists { get; private set; }

    /// <summary>The objects as last seen, by namespace/name.</summary>
    public IReadOnlyDictionary<string, T> Known => known;

    /// <summary>
    /// Changes from now on. With <paramref name="initial"/>, what the first list finds is reported as Added first.
    /// <paramref name="listed"/> sees what is known after every list (before its changes are reported); what it
    /// throws ends the enumeration, so a caller can tell "not there at all" from "no change yet".
    /// </summary>
    public async IAsyncEnumerable<(WatchEventType Type, T Object)> RunAsync(bool initial, [EnumeratorCancellation] CancellationToken ct,
        Action<IReadOnlyDictionary<string, T>>? listed = null)
    {
        var resourceVersion = "";
        var first = true;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            if (resourceVersion.Length == 0)
            {
                IReadOnlyList<(WatchEventType, T)> differences;
                try
                {
                    var (items, version) = await list(ct);
                    differences = Reconcile(items, report: initial || !first);
                    resourceVersion = version;
                    failures = 0;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    LogFailed(logger, what, "list", e.Message);
                    await Task.Delay(Backoff.Delay(++failures, FirstDelay, MaxDelay), ct);
                    continue;
                }
                if (!first) Relists++;
                first = false;
                listed?.Invoke(known);
                foreach (var change in differences) yield return change;
            }

            Exception? streamError = null;
            var received = 0;
            var enumerator = watch(resourceVersion, e => streamError ??= e, ct).GetAsyncEnumerator(ct);
            try
            {
                while (true)
                {
                    (WatchEventType Type, T Object) item;
                    try
                    {
                        if (!await enumerator.MoveNextAsync()) break;
                        item = enumerator.Current;
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        streamError = e;
                        break;
                    }
                    received++;
                    if (item.Object?.Metadata?.ResourceVersion is { Length: > 0 } seen) resourceVersion = seen;
                    if (item.Type == WatchEventType.Bookmark || item.Object is null) continue;
                    if (item.Type == WatchEventType.Error) break;
                    if (Apply(item.Type, item.Object) is { } change)
                    {
                        failures = 0;
                        yield return change;
                    }
                }
            }
            finally
            {
                await enumerator.DisposeAsync();
            }
            if (ct.IsCancellationRequested) yield break;
            if (streamError is not null && KubeApiErrors.IsGone(streamError))
            {
                // The history we would resume from is gone: list again and report what changed meanwhile.
                LogGone(logger, what, resourceVersion);
                resourceVersion = "";
                continue;
            }
            if (streamError is not null) LogFailed(logger, what, "watch", streamError.Message);
            // A stream that failed, or ended without a single event, is not opened again at once.
            if (streamError is not null || received == 0) await Task.Delay(Backoff.Delay(++failures, FirstDelay, MaxDelay), ct);
            Resumes++;
        }
    }

    /// <summary>The event as a change of what is known; null when it repeats what was already seen (same or older resourceVersion).</summary>
    private (WatchEventType, T)? Apply(WatchEventType type, T item)
    {
        var key = Key(item);
        var had = known.TryGetValue(key, out var before);
        if (type == WatchEventType.Deleted)
        {
            if (!had) return null;
            known.Remove(key);
            return (type, item);
        }
        if (had && !IsNewer(item, before!)) return null;
        known[key] = item;
        return (had ? WatchEventType.Modified : WatchEventType.Added, item);
    }

    private List<(WatchEventType, T)> Reconcile(IReadOnlyList<T> items, bool report)
    {
        var changes = new List<(WatchEventType, T)>();
        var now = items.ToDictionary(Key, StringComparer.Ordinal);
        foreach (var (key, gone) in known.Where(k => !now.ContainsKey(k.Key)).ToList())
        {
            known.Remove(key);
            changes.Add((WatchEventType.Deleted, gone));
        }
        foreach (var item in items)
        {
            if (Apply(WatchEventType.Modified, item) is { } change) changes.Add(change);
        }
        return report ? changes : [];
    }

    private static string Key(T item) => $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";

    /// <summary>resourceVersions are opaque, but the API server's are integers that grow; compared as such when they parse, else any difference counts.</summary>
    private static bool IsNewer(T item, T before)
    {
        var a = item.Metadata?.ResourceVersion ?? "";
        var b = before.Metadata?.ResourceVersion ?? "";
        return ulong.TryParse(a, out var x) && ulong.TryParse(b, out var y) ? x > y : a != b;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "watch of {What}: {Step} failed, trying again: {Reason}")]
    private static partial void LogFailed(ILogger logger, string what, string step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "watch of {What}: resourceVersion {Version} is gone (410), listing again")]
    private static partial void LogGone(ILogger logger, string what, string version);
}
