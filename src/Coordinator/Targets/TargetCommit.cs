using System.Diagnostics;
using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Requests;
using Federation.Coordinator.Saga;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.Coordinator.Targets;

/// <summary>
/// The destination's side of the commit, in two named steps: <see cref="RestoreAsync"/> starts the app
/// from the final checkpoint in the target runtime, <see cref="PromoteAsync"/> makes the target the
/// workload itself. Safe to repeat: an app already restored from that checkpoint is not restored again. Only the
/// migration's source cluster may commit.
/// </summary>
public sealed partial class TargetCommit(
    IOrchestratorAdapter adapter,
    RuntimeEngines engines,
    MigrationJournal journal,
    TargetLocks locks,
    MigrationHooks hooks,
    TimeProvider clock,
    ILogger<TargetCommit> logger)
{
    public async Task<CommitResponse> CommitAsync(CommitRequest request, PeerCaller caller, CancellationToken ct)
    {
        RequestChecks.MigrationId(request.MigrationId);
        Names.CheckCheckpointName(request.Checkpoint);
        using var held = await locks.LockAsync(request.MigrationId, ct);
        var target = journal.GetTarget(request.MigrationId) ?? throw FederationException.NotFound($"migration {request.MigrationId} has no target here");
        TargetParty.Require(target, caller, "commit");
        if (target.State == TargetState.Aborted) throw FederationException.FailedPrecondition($"migration {request.MigrationId} was aborted here");
        // A pre-copy round's checkpoint is taken while the source runs on: restoring it would run the app twice.
        if (request.Checkpoint != CheckpointNames.Final(request.MigrationId))
            throw FederationException.FailedPrecondition(
                $"a commit restores only the final checkpoint of migration {request.MigrationId} ('{CheckpointNames.Final(request.MigrationId)}'), not '{request.Checkpoint}'");
        var info = await adapter.GetWorkloadAsync(target.Workload, ct)
            ?? throw FederationException.FailedPrecondition($"the target of migration {request.MigrationId} is gone");
        // A definite answer: a source in doubt must learn that nothing was (or will be) restored here.
        if (!info.Running) throw FederationException.FailedPrecondition($"the target runtime of migration {request.MigrationId} is not running");
        var response = await RestoreAsync(target, info, request.Checkpoint, request.Generation, request.LazyPagesKey, ct);
        await hooks.ReachedAsync(MigrationHooks.TargetRestored, request.MigrationId, ct);
        await PromoteAsync(target, ct);
        foreach (var (port, endpoint) in info.AppEndpoints) response.AppEndpoints[(uint)port] = endpoint;
        return response;
    }

    /// <summary>Starts the app from <paramref name="checkpoint"/> at <paramref name="generation"/> in the target runtime, unless it already runs from it.</summary>
    /// <param name="lazyPagesKey">Post-copy: the key of the source's page tunnel; empty for a checkpoint that holds the memory.</param>
    public async Task<CommitResponse> RestoreAsync(TargetRecord target, WorkloadInfo info, string checkpoint, ulong generation, string lazyPagesKey,
        CancellationToken ct)
    {
        var engine = engines.For(info.EngineEndpoint);
        var response = new CommitResponse();
        var app = await engine.GetAppAsync(new GetAppRequest { Name = target.Workload.Name }, cancellationToken: ct);
        if (app.State == AppState.Running && app.RestoredFrom == checkpoint) return response;
        var watch = Stopwatch.StartNew();
        var restored = await engine.RestoreAsync(new RestoreRequest { App = target.Workload.Name, Checkpoint = checkpoint, Generation = generation, LazyPagesKey = lazyPagesKey },
            cancellationToken: ct);
        response.Timings.AddRange(restored.Timings);
        response.RestoreDuration = Duration.FromTimeSpan(watch.Elapsed);
        return response;
    }

    /// <summary>The target becomes the workload: journaled committed here, then owned by the orchestrator as an active workload.</summary>
    public async Task PromoteAsync(TargetRecord target, CancellationToken ct)
    {
        journal.PutTarget(target with { State = TargetState.Committed, LastHeartbeat = clock.GetUtcNow() });
        await adapter.PromoteTargetAsync(target.Workload, ct);
        LogCommitted(logger, target.MigrationId, target.Workload.ToString());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: {Workload} restored and promoted")]
    private static partial void LogCommitted(ILogger logger, string migration, string workload);
}
