using Federation.Adapters;

namespace Federation.Coordinator.Journal;

/// <summary>
/// Where a workload whose stable address this (home) cluster holds runs now: this cluster from its deploy on, then the
/// destination of each switch. <see cref="MovedBy"/> and <see cref="MovedFrom"/> are the migration that last switched it
/// and the cluster it left then (empty after a deploy), so that migration may repeat its switch.
/// </summary>
public sealed record WorkloadLocation(WorkloadId Workload, string Cluster, string MovedBy, string MovedFrom)
{
    /// <summary>
    /// May <paramref name="caller"/> take the traffic steps of <paramref name="migrationId"/> for this workload? Only the
    /// cluster it runs in (the one it is moving away from), or, for a repeat, the cluster the same migration moved it from.
    /// </summary>
    public bool IsMovingAwayFrom(string caller, string migrationId) =>
        Cluster == caller || (MovedBy.Length > 0 && MovedBy == migrationId && MovedFrom == caller);
}
