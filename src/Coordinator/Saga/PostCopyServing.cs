using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Engines;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Saga;

/// <summary>
/// The saga's side of a post-copy: opens the source's page tunnel (ServePages) and, after the switch, waits until every page
/// reached the destination, publishing how much has. The source is deleted only then. When the pages stop coming after the
/// commit, the destination's Engine has already stopped its copy (its memory was incomplete) and the source's Engine keeps
/// the app frozen with all its memory: the migration ends failed, saying exactly that, and deletes nothing.
/// </summary>
public sealed partial class PostCopyServing(
    IOrchestratorAdapter adapter,
    RuntimeEngines engines,
    MigrationTracker tracker,
    ILogger<PostCopyServing> logger)
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SettleLimit = TimeSpan.FromMinutes(30);

    public PostCopyPages Serve(V1.Engine.EngineClient engine, Migration migration, string app, string checkpoint, string targetEndpoint, string key,
        CancellationToken ct)
    {
        PageServingProgress? latest = null;
        var done = Task.Run(async () =>
        {
            using var call = engine.ServePages(new ServePagesRequest { App = app, Checkpoint = checkpoint, TargetEndpoint = targetEndpoint, Key = key },
                cancellationToken: ct);
            await foreach (var progress in call.ResponseStream.ReadAllAsync(ct)) Volatile.Write(ref latest, progress);
            return Volatile.Read(ref latest) is { Completed: true } last
                ? last
                : throw new RpcException(new Status(StatusCode.Unavailable, "the page stream ended before every page was served"));
        }, CancellationToken.None);
        return new PostCopyPages(done, () => Volatile.Read(ref latest));
    }

    /// <summary>Waits for a tunnel that was stopped; its failure is expected.</summary>
    public static async Task EndQuietlyAsync(PostCopyPages pages)
    {
        try
        {
            await pages.Done;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // Stopped on purpose: the source's Engine keeps the app frozen with its memory.
        }
    }

    /// <summary>True once every page reached the destination; false when the migration was ended failed (nothing is deleted).</summary>
    /// <param name="pages">This saga's tunnel; null in recovery, where the source's Engine says how its dump ended.</param>
    public async Task<bool> AllPagesArrivedAsync(Migration migration, PostCopyPages? pages, CancellationToken ct)
    {
        string? failure = null;
        if (pages is not null)
        {
            // Bounded by the Engine's own limit on a tunnel (30 min) and the caller's token.
            while (!pages.Done.IsCompleted)
            {
                await Task.WhenAny(pages.Done, Task.Delay(ProgressEvery, ct));
                if (!pages.Done.IsCompleted && pages.Latest is { } progress)
                    tracker.Save(migration, $"post-copy: {progress.BytesToDestination >> 20} MiB of pages in '{migration.DestinationCluster}' so far");
            }
            try
            {
                var last = await pages.Done;
                Record(migration, last);
                return true;
            }
            catch (RpcException e)
            {
                failure = e.Status.Detail;
            }
        }
        var workload = new WorkloadId(migration.Workload.Namespace, migration.Workload.Name);
        var source = await adapter.GetWorkloadAsync(workload, ct);
        string kept;
        if (source is { Running: true })
        {
            var app = await engines.For(source.EngineEndpoint).SettledAppAsync(workload.Name, SettleLimit, ct);
            if (failure is null && app.State == AppState.Checkpointed)
            {
                tracker.Save(migration, "post-copy: the source's dump ended having served every page");
                return true;
            }
            failure ??= "the source's dump ended before every page was served";
            kept = app.State == AppState.Running
                ? $"the source's CRIU let the app run on in '{migration.SourceCluster}' from the final checkpoint"
                : $"the app is kept {app.State.ToString().ToLowerInvariant()} with all its memory in '{migration.SourceCluster}' at generation {migration.Generation}: Resume brings it back";
        }
        else
        {
            failure ??= $"the source runtime in '{migration.SourceCluster}' died before every page reached '{migration.DestinationCluster}'";
            kept = $"the pages not yet in '{migration.DestinationCluster}' are lost, and the app with them (the source runtime in '{migration.SourceCluster}' is gone)";
        }
        migration.Error = ErrorMappingInterceptor.OneLine(
            $"post-copy failed after the commit: {failure}. '{migration.DestinationCluster}' stopped its copy (memory incomplete; what it did since the switch is lost); {kept}");
        LogLost(logger, migration.Id, migration.Error);
        tracker.EnterPhase(migration, MigrationPhase.Failed, migration.Error);
        return false;
    }

    private void Record(Migration migration, PageServingProgress last)
    {
        migration.PostCopyBytes = last.BytesToDestination;
        migration.PostCopyDuration = last.Elapsed;
        tracker.Save(migration, $"post-copy: every page reached '{migration.DestinationCluster}': {last.BytesToDestination >> 20} MiB in " +
            $"{last.Elapsed.ToTimeSpan().TotalMilliseconds:F0} ms after the final checkpoint");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "migration {Migration}: {Error}")]
    private static partial void LogLost(ILogger logger, string migration, string error);
}
