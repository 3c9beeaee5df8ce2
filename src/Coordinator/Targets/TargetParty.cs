using Federation.Coordinator.Auth;
using Federation.Coordinator.Journal;

namespace Federation.Coordinator.Targets;

/// <summary>A target serves only its migration's source cluster: every other peer is refused (PermissionDenied) before anything changes.</summary>
public static class TargetParty
{
    /// <param name="action">What the caller wanted to do with the migration ("abort").</param>
    public static void Require(TargetRecord target, PeerCaller caller, string action) =>
        caller.MustBe(target.SourceCluster, $"{action} migration {target.MigrationId}: its target here belongs to cluster '{target.SourceCluster}'");
}
