using Federation.Adapters;
using Federation.Common;
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
    public async Task RunAsync(Migration migration, string reason, CancellationToken ct)
    {
        var workload = new WorkloadId(migration.Workload.Namespace, migration.Workload.Name);
        if (string.IsNullOrEmpty(migration.Error)) migration.Error = ErrorMappingInterceptor.OneLine(reason);
        if (migration.Phase != MigrationPhase.RollingBack)
            tracker.EnterPhase(migration, MigrationPhase.RollingBack, $"rolling back: {migration.Error}");
        var begun = journal.Steps(migration.Id).Where(s => s.Status == StepStatus.Begun).Select(s => s.Step).ToHashSet();

        var source = await adapter.GetWorkloadAsync(workload, ct);
        if (source is not null && begun.Contains(SagaSteps.FinalCheckpoint))
            await RestoreSourceAsync(migration, engines.For(source.EngineEndpoint), workload.Name, ct);

        if (begun.Contains(SagaSteps.PrepareTarget)) await AbortTargetAsync(migration, ct);

        if (begun.Contains(SagaSteps.HoldTraffic))
        {
            journal.AppendStep(migration.Id, SagaSteps.ReleaseTraffic, StepStatus.Begun, SourceSideTraffic.HomeOf(migration));
            await traffic.ReleaseAsync(migration, ct);
            journal.AppendStep(migration.Id, SagaSteps.ReleaseTraffic, StepStatus.Done);
        }

        if (source is not null) await DeleteCheckpointsAsync(migration, engines.For(source.EngineEndpoint), workload.Name, ct);

        tracker.EnterPhase(migration, MigrationPhase.RolledBack,
            source is null ? $"rolled back, but workload {workload} is not in this cluster any more" : $"rolled back: {workload} runs in '{migration.SourceCluster}'");
        LogRolledBack(logger, migration.Id, migration.Error);
    }

    private async Task RestoreSourceAsync(Migration migration, V1.Engine.EngineClient engine, string app, CancellationToken ct)
    {
        var state = (await engine.GetAppAsync(new GetAppRequest { Name = app }, cancellationToken: ct)).State;
        if (state == AppState.Running) return;
        var final = CheckpointNames.Final(migration.Id);
        var checkpoints = await engine.ListCheckpointsAsync(new ListCheckpointsRequest { App = app }, cancellationToken: ct);
        if (checkpoints.Checkpoints.All(c => c.Checkpoint != final))
            throw FederationException.FailedPrecondition($"app '{app}' is {state} and its final checkpoint '{final}' is gone: cannot restore the source");
        journal.AppendStep(migration.Id, SagaSteps.RestoreSource, StepStatus.Begun);
        tracker.Save(migration, $"restoring the source app from its own checkpoint {final}");
        await engine.RestoreAsync(new RestoreRequest { App = app, Checkpoint = final }, cancellationToken: ct);
        journal.AppendStep(migration.Id, SagaSteps.RestoreSource, StepStatus.Done);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration} rolled back: {Reason}")]
    private static partial void LogRolledBack(ILogger logger, string migration, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: cluster {Destination} did not take the abort ({Reason}); it removes the target when heartbeats stop")]
    private static partial void LogAbortUnreachable(ILogger logger, string migration, string destination, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: checkpoint cleanup: {Reason}")]
    private static partial void LogCheckpointCleanup(ILogger logger, string migration, string reason);
}
