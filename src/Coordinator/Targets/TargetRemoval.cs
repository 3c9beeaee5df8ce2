using Federation.Adapters;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Requests;
using Federation.V1;

namespace Federation.Coordinator.Targets;

/// <summary>
/// Removes targets that will not be committed: those the source aborted, and those whose source went
/// silent. The journal says aborted before the adapter removes anything, so a crash in between ends the same way.
/// </summary>
public sealed partial class TargetRemoval(IOrchestratorAdapter adapter, MigrationJournal journal, TargetLocks locks, ILogger<TargetRemoval> logger)
{
    /// <summary>The source's abort: only the migration's source cluster may remove its target. Answers only once the target is gone (or never was) and journaled aborted: a later commit of the migration is refused.</summary>
    public async Task<AbortResponse> AbortAsync(AbortRequest request, PeerCaller caller, CancellationToken ct)
    {
        RequestChecks.MigrationId(request.MigrationId);
        using var held = await locks.LockAsync(request.MigrationId, ct);
        var target = journal.GetTarget(request.MigrationId);
        if (target is null) return new AbortResponse { Removed = false };
        TargetParty.Require(target, caller, "abort");
        if (target.State == TargetState.Committed)
            throw FederationException.FailedPrecondition($"migration {request.MigrationId} has committed here: its workload is not a target any more");
        await RemoveAsync(target, request.Reason, ct);
        return new AbortResponse { Removed = true };
    }

    /// <summary>Removes prepared targets whose source has been silent since before <paramref name="silentSince"/>.</summary>
    public async Task RemoveSilentAsync(DateTimeOffset silentSince, CancellationToken ct)
    {
        foreach (var silent in journal.ListTargets().Where(t => t.State == TargetState.Prepared && t.LastHeartbeat < silentSince))
        {
            using var held = await locks.LockAsync(silent.MigrationId, ct);
            // Looked at again under the lock: a commit may have promoted it, or a heartbeat arrived, meanwhile.
            if (journal.GetTarget(silent.MigrationId) is not { State: TargetState.Prepared } target || target.LastHeartbeat >= silentSince) continue;
            LogReaping(logger, target.MigrationId, target.Workload.ToString(), target.SourceCluster);
            await RemoveAsync(target, "no heartbeat from the source", ct);
        }
    }

    public async Task RemoveAsync(TargetRecord target, string reason, CancellationToken ct)
    {
        journal.PutTarget(target with { State = TargetState.Aborted });
        var info = await adapter.GetWorkloadAsync(target.Workload, ct);
        if (info is not null && info.Role == Adapters.WorkloadRole.Target && (info.MigrationId is null || info.MigrationId == target.MigrationId))
            await adapter.DeleteWorkloadAsync(target.Workload, ct);
        LogAborted(logger, target.MigrationId, target.Workload.ToString(), reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: target {Workload} removed ({Reason})")]
    private static partial void LogAborted(ILogger logger, string migration, string workload, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: no heartbeat from {Source}, removing target {Workload}")]
    private static partial void LogReaping(ILogger logger, string migration, string workload, string source);
}
