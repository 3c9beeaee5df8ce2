using System.Threading.Channels;
using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Policy;

/// <summary>
/// Loads the policy file at start and again after each change, once the file has been quiet for
/// <see cref="PolicyOptions.ReloadDebounce"/> (a burst of writes is read once; at most 20 debounce extensions per reload, so a
/// file rewritten without pause is still read). Changes are signalled through a channel of one slot, so nothing queues up.
/// </summary>
public sealed class PolicyFileWatcher(PolicyStore store, IOptions<CoordinatorOptions> options, TimeProvider clock) : BackgroundService
{
    private const int MaxExtensions = 20;
    private readonly Channel<bool> changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        store.LoadFile();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = options.Value.Policy.Path;
        if (path.Length == 0) return;
        var full = Path.GetFullPath(path);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Changed += (_, _) => changed.Writer.TryWrite(true);
        watcher.Created += (_, _) => changed.Writer.TryWrite(true);
        watcher.Renamed += (_, _) => changed.Writer.TryWrite(true);
        watcher.EnableRaisingEvents = true;
        try
        {
            while (await changed.Reader.WaitToReadAsync(stoppingToken))
            {
                changed.Reader.TryRead(out _);
                for (var i = 0; i < MaxExtensions; i++)
                {
                    await Task.Delay(options.Value.Policy.ReloadDebounce, clock, stoppingToken);
                    if (!changed.Reader.TryRead(out _)) break;
                }
                store.LoadFile();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
