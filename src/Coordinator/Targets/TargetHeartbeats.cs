using Federation.Common;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Journal;
using Federation.V1;

namespace Federation.Coordinator.Targets;

/// <summary>
/// The source's heartbeats keep its prepared target alive; <see cref="TargetRemoval"/> removes those that go silent. Only
/// the migration's source cluster keeps its target alive (a heartbeat without a migration only asks whether we answer).
/// </summary>
public sealed class TargetHeartbeats(MigrationJournal journal, TimeProvider clock)
{
    public HeartbeatResponse Heartbeat(HeartbeatRequest request, PeerCaller caller)
    {
        if (!string.IsNullOrEmpty(request.SourceCluster)) caller.MustBe(request.SourceCluster, $"send heartbeats for cluster '{Names.Escape(request.SourceCluster, 64)}'");
        if (string.IsNullOrEmpty(request.MigrationId)) return new HeartbeatResponse { State = TargetState.Unknown };
        var target = journal.GetTarget(request.MigrationId);
        if (target is null) return new HeartbeatResponse { State = TargetState.Unknown };
        TargetParty.Require(target, caller, "send heartbeats for");
        if (target.State == TargetState.Prepared) Touch(target);
        return new HeartbeatResponse { State = target.State };
    }

    /// <summary>Records that the source was heard from now.</summary>
    public void Touch(TargetRecord target) => journal.PutTarget(target with { LastHeartbeat = clock.GetUtcNow() });
}
