using System.Collections.Concurrent;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>The post-copy dumps serving pages in this Engine, by app and checkpoint; each leaves when its dump ends.</summary>
public sealed class LazyDumps
{
    private readonly ConcurrentDictionary<(string App, string Checkpoint), LazyDump> dumps = new();

    public void Add(LazyDump dump)
    {
        dumps[(dump.App, dump.Checkpoint)] = dump;
        _ = dump.Finished.ContinueWith(_ => dumps.TryRemove(new KeyValuePair<(string, string), LazyDump>((dump.App, dump.Checkpoint), dump)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public LazyDump? Find(string app, string checkpoint) => dumps.GetValueOrDefault((app, checkpoint));

    /// <summary>The app's lazy dumps still serving pages.</summary>
    public IReadOnlyList<LazyDump> Of(string app) => dumps.Values.Where(d => d.App == app).ToList();

    /// <summary>True while a lazy dump of the app serves its pages: the app has moved away, though its processes still exist here.</summary>
    public bool IsServing(string app) => dumps.Keys.Any(k => k.App == app);
}
