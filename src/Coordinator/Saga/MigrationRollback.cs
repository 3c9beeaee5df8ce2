using Federation.Adapters;
using Federation.Common;
using Federation.Common.Retry;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.Coordinator.Traffic;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Saga;

/// <summary>
/// Puts things back after a failed or cancelled migration that has not committed: the source app runs
/// (restored from its own final checkpoint if that stopped it), the target is removed, the traffic
/// hold is released (by the workload's home cluster when that is another one), the migration's
/// checkpoints are deleted and the workload is unlocked. Every step is safe to repeat, so recovery
/// may run it again after a crash.
/// </summary>
public sealed partial class MigrationRollback(
    IOrchestratorAdapter adapter,
    RuntimeEngines engines,
    PeerClients peers,
    SourceSideTraffic traffic,
    MigrationJournal journal,
    MigrationTracker tracker,
    IOptions<CoordinatorOptions> options,
    ILogger<MigrationRollback> logger)
{
    private const int Attempts = 5;
    private static readonly TimeSpan CheckpointSettleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// <see cref="RunAsync"/>, attempted up to <see cref="Attempts"/> times with growing, jittered delays; a rollback
    /// that still cannot finish leaves the migration failed, with the reason.
    /// </summary>
    public async Task RunUntilDoneAsync(Migration migration, string reason, CancellationToken ct)
    {
        var first = options.Value.Migration.RecoveryRetryDelay;
        var retry = Backoff.Retry(Attempts, first, first * 8, _ => true, (e, attempt) =>
        {
            LogRetry(logger, migration.Id, attempt, e is RpcException r ? r.Status.Detail : e.Message);
            return ValueTask.CompletedTask;
        });
        try
        {
            await retry.ExecuteAsync(async token => await RunAsync(migration, reason, token), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            migration.Error = ErrorMappingInterceptor.OneLine($"{migration.Error}; rollback failed: {(e is RpcException r ? r.Status.Detail : e.Message)}");
            tracker.EnterPhase(migration, MigrationPhase.Failed, migration.Error);
        }
    }

    public async Task RunAsync(Migration migration, string reason, CancellationToken ct)
    {
        var workload = new WorkloadId(migration.Workload.Namespace, migration.Workload.Name);
        if (string.IsNullOrEmpty(migration.Error)) migration.Error = ErrorMappingInterceptor.OneLine(reason);
        if (migration.Phase != MigrationPhase.RollingBack)
            tracker.EnterPhase(migration, MigrationPhase.RollingBack, $"rolling back: {migration.Error}");
        var begun = journal.Steps(migration.Id).Where(s => s.Status == StepStatus.Begun).Select(s => s.Step).ToHashSet();

        var source = await adapter.GetWorkloadAsync(workload, ct);
        // A source runtime that died took the app's memory with it: the workload watcher recreates it once the workload is free.
        var sourceAlive = source is { Running: true };
        if (sourceAlive && begun.Contains(SagaSteps.FinalCheckpoint))
            await RestoreSourceAsync(migration, engines.For(source!.EngineEndpoint), workload.Name, ct);

        if (begun.Contains(SagaSteps.PrepareTarget)) await AbortTargetAsync(migration, ct);

        if (begun.Contains(SagaSteps.HoldTraffic))
        {
            journal.AppendStep(migration.Id, SagaSteps.ReleaseTraffic, StepStatus.Begun, SourceSideTraffic.HomeOf(migration));
            await traffic.ReleaseAsync(migration, ct);
            journal.AppendStep(migration.Id, SagaSteps.ReleaseTraffic, StepStatus.Done);
        }

        if (sourceAlive) await DeleteCheckpointsAsync(migration, engines.For(source!.EngineEndpoint), workload.Name, ct);

        tracker.EnterPhase(migration, MigrationPhase.RolledBack, source switch
        {
            null => $"rolled back, but workload {workload} is not in this cluster any more",
            { Running: false } => $"rolled back, but the runtime of {workload} in '{migration.SourceCluster}' is not running: it is recreated (the app's memory is lost)",
            _ => $"rolled back: {workload} runs in '{migration.SourceCluster}'",
        });
        LogRolledBack(logger, migration.Id, migration.Error);
    }

    /// <summary>
    /// Brings the source app back as its Engine finds it, not as the journal assumes: a frozen app (a checkpoint cut
    /// short) is thawed, one that a checkpoint stopped is restored from its final checkpoint, a running one is left
    /// alone. What it did is judged by asking the Engine again.
    /// </summary>
    private async Task RestoreSourceAsync(Migration migration, V1.Engine.EngineClient engine, string app, CancellationToken ct)
    {
        // A checkpoint cut short by a crash finishes on its own, bounded.
        var current = await engine.SettledAppAsync(app, CheckpointSettleTimeout, ct);
        if (current.CheckpointInProgress)
            throw FederationException.Unavailable($"a checkpoint of app '{app}' is still running after {CheckpointSettleTimeout.TotalSeconds:F0} s");
        // Rollback runs only while the destination cannot run the app (no commit sent, or its abort confirmed):
        // the migration's generation then belongs to the source again.
        var generation = current.FencedBelow > current.Generation ? migration.Generation : current.Generation;
        switch (current.State)
        {
            case AppState.Running:
                return;
            case AppState.Paused:
                journal.AppendStep(migration.Id, SagaSteps.RestoreSource, StepStatus.Begun, "thaw");
                tracker.Save(migration, $"the source app was found frozen: thawing it");
                await engine.ResumeAsync(new ResumeAppRequest { App = app, Generation = generation }, cancellationToken: ct);
                break;
            default:
                var final = CheckpointNames.Final(migration.Id);
                var checkpoints = await engine.ListCheckpointsAsync(new ListCheckpointsRequest { App = app }, cancellationToken: ct);
                if (checkpoints.Checkpoints.All(c => c.Checkpoint != final))
                    throw FederationException.FailedPrecondition($"app '{app}' is {current.State} and its final checkpoint '{final}' is gone: cannot restore the source");
                journal.AppendStep(migration.Id, SagaSteps.RestoreSource, StepStatus.Begun, final);
                tracker.Save(migration, $"restoring the source app from its own checkpoint {final} (generation {generation})");
                await engine.RestoreAsync(new RestoreRequest { App = app, Checkpoint = final, Generation = generation }, cancellationToken: ct);
                break;
        }
        var observed = (await engine.GetAppAsync(new GetAppRequest { Name = app }, cancellationToken: ct)).State;
        if (observed != AppState.Running)
            throw FederationException.Unavailable($"app '{app}' is {observed} after it was brought back, not running");
        journal.AppendStep(migration.Id, SagaSteps.RestoreSource, StepStatus.Done, $"observed running at generation {generation}");
    }

    /// <summary>Best effort: a destination that cannot be reached removes the target itself when heartbeats stop.</summary>
    private async Task AbortTargetAsync(Migration migration, CancellationToken ct)
    {
        journal.AppendStep(migration.Id, SagaSteps.AbortTarget, StepStatus.Begun);
        try
        {
            var peer = peers.For(migration.DestinationCluster);
            await peer.AbortAsync(new AbortRequest { MigrationId = migration.Id, Reason = migration.Error },
                deadline: DateTime.UtcNow.Add(options.Value.Migration.PeerCallTimeout), cancellationToken: ct);
            journal.AppendStep(migration.Id, SagaSteps.AbortTarget, StepStatus.Done);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.NotFound)
        {
            journal.AppendStep(migration.Id, SagaSteps.AbortTarget, StepStatus.Failed, e.Status.Detail);
            LogAbortUnreachable(logger, migration.Id, migration.DestinationCluster, e.Status.Detail);
        }
    }

    private async Task DeleteCheckpointsAsync(Migration migration, V1.Engine.EngineClient engine, string app, CancellationToken ct)
    {
        try
        {
            var checkpoints = await engine.ListCheckpointsAsync(new ListCheckpointsRequest { App = app }, cancellationToken: ct);
            foreach (var c in checkpoints.Checkpoints.Where(c => c.Checkpoint.StartsWith(CheckpointNames.Prefix(migration.Id), StringComparison.Ordinal)))
                await engine.DeleteCheckpointAsync(new DeleteCheckpointRequest { App = app, Checkpoint = c.Checkpoint }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound)
        {
            LogCheckpointCleanup(logger, migration.Id, e.Status.Detail);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: rollback attempt {Attempt} failed: {Reason}")]
    private static partial void LogRetry(ILogger logger, string migration, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration} rolled back: {Reason}")]
    private static partial void LogRolledBack(ILogger logger, string migration, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: cluster {Destination} did not take the abort ({Reason}); it removes the target when heartbeats stop")]
    private static partial void LogAbortUnreachable(ILogger logger, string migration, string destination, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: checkpoint cleanup: {Reason}")]
    private static partial void LogCheckpointCleanup(ILogger logger, string migration, string reason);
}
