using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using Federation.Common;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Docker;

/// <summary>
/// Spare runtimes kept started and idle (inner dockerd and Engine up, no app), so that a migration's target adopts one instead of
/// starting a runtime: the runtime start (container, dockerd, the Engine's process) leaves the target's preparation.
/// <para>
/// A spare is named <c>{prefix}-{cluster}-warm-{8 hex}</c> and labelled <see cref="WarmLabel"/> (its app ports); it runs on the
/// cluster's network with the Engine port and the app ports it may serve published, because Docker publishes ports only when a
/// container is created. Those ports are <see cref="DockerHostAdapterOptions.WarmRuntimePorts"/> and the ports of the apps this
/// cluster ran since it started (learned at deploy and target creation, at most <see cref="MaxLearnedPorts"/>); a spare is made
/// only once some are known, and a target whose ports a spare does not publish starts a runtime as before. The image of the app
/// seen last is placed in a spare ahead of time.
/// </para>
/// <para>
/// What a spare does not carry: an app, its state or volumes (its state volume is its own, made with it), or a credential of its
/// own: its Engine demands the cluster's credential, as every runtime of the cluster does. Its images are the cluster's.
/// At most <see cref="DockerHostAdapterOptions.WarmRuntimes"/> (and never more than the cluster's workload slots) are kept; one is
/// made again in the background after each adoption; all are removed when the coordinator stops, and spares left by a coordinator
/// that did not stop cleanly are removed when it starts again (an adopted one was renamed: it is a workload's runtime).
/// </para>
/// </summary>
public sealed partial class WarmRuntimePool : IAsyncDisposable
{
    /// <summary>Label of a spare's containers and volume: its published app ports, comma-separated.</summary>
    public const string WarmLabel = "federation.warm";
    public const int MaxLearnedPorts = 16;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);
    private const int MaxFailuresInARow = 5;

    private readonly DockerRuntimeHost host;
    private readonly DockerHostAdapterOptions options;
    private readonly Func<RuntimeInstance, string, CancellationToken, Task> placeImage;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly List<Spare> ready = [];
    private readonly SortedSet<int> ports;
    private readonly CancellationTokenSource stopping = new();
    private string? image;
    private Task refill = Task.CompletedTask;
    private bool started;
    private bool refillQueued;

    /// <param name="placeImage">Puts an image in a runtime the way the adapter does for a workload.</param>
    public WarmRuntimePool(DockerRuntimeHost host, DockerHostAdapterOptions options, Func<RuntimeInstance, string, CancellationToken, Task> placeImage, ILogger logger)
    {
        this.host = host;
        this.options = options;
        this.placeImage = placeImage;
        this.logger = logger;
        ports = new SortedSet<int>(options.WarmRuntimePorts);
    }

    /// <summary>How many spares the pool keeps: the setting, bounded by the cluster's workload slots.</summary>
    public int Size => Math.Max(0, Math.Min(options.WarmRuntimes, options.MaxWorkloads));

    /// <summary>The names of the spares ready now.</summary>
    public IReadOnlyList<string> Ready
    {
        get
        {
            lock (gate) return ready.Select(s => s.Name).ToList();
        }
    }

    /// <summary>Removes spares an earlier run left, then starts filling the pool (in the background).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        foreach (var (name, _) in await host.ListWarmAsync(WarmLabel, ct))
        {
            LogLeftoverRemoved(logger, name, options.Cluster);
            await host.RemoveAsync(name, ct);
        }
        lock (gate) started = true;
        Refill();
    }

    /// <summary>What the next spares should serve: the app's ports (bounded) and its image.</summary>
    /// <remarks>
    /// Spares that lack a new port are replaced at the next <see cref="Refill"/>, which the adapter asks for when the operation that
    /// taught it is over (a deploy done, a target promoted or removed), so that making spares does not compete with it.
    /// </remarks>
    public void Learn(AppSpec spec, IEnumerable<int> appPorts)
    {
        lock (gate)
        {
            foreach (var port in appPorts)
            {
                if (ports.Count >= MaxLearnedPorts) break;
                ports.Add(port);
            }
            if (AppSpecContainers.MainImage(spec) is { Length: > 0 } main) image = main;
        }
    }

    /// <summary>A spare that publishes every one of <paramref name="appPorts"/>, taken out of the pool; null when there is none.</summary>
    public string? Take(IReadOnlyCollection<int> appPorts)
    {
        lock (gate)
        {
            var spare = ready.FirstOrDefault(s => appPorts.All(s.Ports.Contains));
            if (spare is null) return null;
            ready.Remove(spare);
            return spare.Name;
        }
    }

    /// <summary>Makes spares until the pool is full again, in the background; one refill at a time.</summary>
    public void Refill()
    {
        lock (gate)
        {
            if (!started || stopping.IsCancellationRequested) return;
            var token = stopping.Token;
            if (refill.IsCompleted)
            {
                refill = Task.Run(() => FillAsync(token), CancellationToken.None);
            }
            else if (!refillQueued)
            {
                // A fill under way may be deciding that it is done: one more runs after it.
                refillQueued = true;
                refill = refill.ContinueWith(_ =>
                {
                    lock (gate) refillQueued = false;
                    return FillAsync(token);
                }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            }
        }
    }

    private async Task FillAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            SortedSet<int> shape;
            string? withImage;
            List<Spare> stale;
            lock (gate)
            {
                shape = new SortedSet<int>(ports);
                withImage = image;
                // A spare that lacks a port learned since it was made serves fewer apps than a new one would: replaced.
                stale = ready.Where(s => !shape.IsSubsetOf(s.Ports)).ToList();
                foreach (var s in stale) ready.Remove(s);
                if (stale.Count == 0 && (ready.Count >= Size || shape.Count == 0)) return;
            }
            foreach (var s in stale) await RemoveQuietlyAsync(s.Name);
            lock (gate)
            {
                if (ready.Count >= Size) continue;
            }
            try
            {
                var spare = await StartSpareAsync(shape, withImage, ct);
                failures = 0;
                lock (gate)
                {
                    if (stopping.IsCancellationRequested) break;
                    ready.Add(spare);
                }
            }
            catch (Exception e) when (e is FederationException or DockerApiException or IOException or HttpRequestException)
            {
                if (++failures >= MaxFailuresInARow)
                {
                    LogGaveUp(logger, options.Cluster, failures, e.Message);
                    return;
                }
                LogStartFailed(logger, options.Cluster, e.Message);
                await Task.Delay(RetryDelay, ct);
            }
        }
    }

    private async Task<Spare> StartSpareAsync(SortedSet<int> shape, string? withImage, CancellationToken ct)
    {
        var name = $"{options.NamePrefix}-{options.Cluster}-warm-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
        var watch = Stopwatch.StartNew();
        try
        {
            var runtime = await host.StartRuntimeAsync(name, shape, new Dictionary<string, string>
            {
                [DockerHostAdapter.ClusterLabel] = options.Cluster,
                [WarmLabel] = string.Join(",", shape.Select(p => p.ToString(CultureInfo.InvariantCulture))),
            }, ct);
            if (withImage is not null) await placeImage(runtime, withImage, ct);
        }
        catch
        {
            await RemoveQuietlyAsync(name);
            throw;
        }
        LogReady(logger, name, options.Cluster, (long)watch.Elapsed.TotalMilliseconds, string.Join(",", shape), withImage ?? "none");
        return new Spare(name, shape);
    }

    private async Task RemoveQuietlyAsync(string name)
    {
        try
        {
            await host.RemoveAsync(name, CancellationToken.None);
        }
        catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException)
        {
            LogRemoveFailed(logger, name, e.Message);
        }
    }

    /// <summary>Stops filling and removes every spare not adopted.</summary>
    public async ValueTask DisposeAsync()
    {
        Task running;
        lock (gate)
        {
            if (stopping.IsCancellationRequested) return;
            stopping.Cancel();
            running = refill;
        }
        // Whatever the fill ended with (cancelled by the stop, or a failure it logged), the spares go.
        await running.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        List<string> left;
        lock (gate)
        {
            left = ready.Select(s => s.Name).ToList();
            ready.Clear();
        }
        // A spare whose start was cut by the stop, or that this list missed, carries the label all the same.
        try
        {
            foreach (var (name, _) in await host.ListWarmAsync(WarmLabel, CancellationToken.None)) left.Add(name);
        }
        catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException)
        {
            LogRemoveFailed(logger, "(list)", e.Message);
        }
        foreach (var name in left.Distinct())
        {
            await RemoveQuietlyAsync(name);
            LogRemoved(logger, name, options.Cluster);
        }
        stopping.Dispose();
    }

    private sealed record Spare(string Name, SortedSet<int> Ports);

    [LoggerMessage(Level = LogLevel.Information, Message = "warm runtime {Name} of cluster {Cluster} ready in {Milliseconds} ms (app ports {Ports}, image {Image})")]
    private static partial void LogReady(ILogger logger, string name, string cluster, long milliseconds, string ports, string image);

    [LoggerMessage(Level = LogLevel.Warning, Message = "a warm runtime of cluster {Cluster} did not start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster {Cluster} stops making warm runtimes after {Failures} failed starts in a row (the next adoption tries again): {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string cluster, int failures, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "warm runtime {Name} left by an earlier run of cluster {Cluster} removed")]
    private static partial void LogLeftoverRemoved(ILogger logger, string name, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "warm runtime {Name} of cluster {Cluster} removed")]
    private static partial void LogRemoved(ILogger logger, string name, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "warm runtime {Name} could not be removed: {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, string name, string reason);
}
