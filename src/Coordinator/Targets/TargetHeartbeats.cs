using Federation.Coordinator.Journal;
using Federation.V1;

namespace Federation.Coordinator.Targets;

/// <summary>The source's heartbeats keep its prepared target alive; <see cref="TargetRemoval"/> removes those that go silent.</summary>
public sealed class TargetHeartbeats(MigrationJournal journal, TimeProvider clock)
{
    public HeartbeatResponse Heartbeat(HeartbeatRequest request)
    {
        if (string.IsNullOrEmpty(request.MigrationId)) return new HeartbeatResponse { State = TargetState.Unknown };
        var target = journal.GetTarget(request.MigrationId);
        if (target is null) return new HeartbeatResponse { State = TargetState.Unknown };
        if (target.State == TargetState.Prepared) Touch(target);
        return new HeartbeatResponse { State = target.State };
    }

    /// <summary>Records that the source was heard from now.</summary>
    public void Touch(TargetRecord target) => journal.PutTarget(target with { LastHeartbeat = clock.GetUtcNow() });
}
