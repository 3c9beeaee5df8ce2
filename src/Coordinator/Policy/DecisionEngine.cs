using Federation.Coordinator.Signals;

namespace Federation.Coordinator.Policy;

/// <summary>
/// The policy's decisions for one snapshot (pure: no clock, no I/O). Edge offload goes first; balancing runs only when edge
/// offload moved nothing; a peer whose reading predates a workload it took from here receives no balance move. The guard on
/// concurrent migrations is a budget shared by both. Only moves out of this cluster (and
/// returns to it) are decided here: every coordinator decides for itself.
/// </summary>
public static class DecisionEngine
{
    public static IReadOnlyList<PolicyDecision> Decide(OffloadPolicy policy, SignalSnapshot snapshot)
    {
        var budget = Math.Max(0, policy.Guards.MaxConcurrentMigrations - snapshot.MigrationsInFlight);
        var decisions = new List<PolicyDecision>();
        if (policy.EdgeOffload is { } edge) decisions.AddRange(EdgeOffloadDecisions.Decide(edge, policy.Guards, snapshot, budget));
        if (policy.Balance is { } balance && !decisions.Any(d => d.Kind != DecisionKind.Hold))
        {
            var pressures = new Dictionary<string, double>(StringComparer.Ordinal);
            if (snapshot.Series.Count > 0 && snapshot.Series[^1].Of(balance.Resource) is { } own) pressures[snapshot.Cluster] = own;
            foreach (var peer in snapshot.Peers.Where(p => p.AcceptsMigrations))
            {
                if (peer.Latest.Of(balance.Resource) is { } value) pressures[peer.Cluster] = value;
            }
            var receivers = snapshot.Peers.Where(p => p.AcceptsMigrations && !TookWorkloadSinceReading(p, snapshot))
                .Select(p => p.Cluster).ToHashSet(StringComparer.Ordinal);
            var local = snapshot.Workloads.Where(w => w.Cluster == snapshot.Cluster).ToList();
            // Only this cluster's own workloads can move from here, so only a move out of this cluster is kept.
            decisions.AddRange(BalanceDecisions.Decide(balance, policy.Guards, pressures, receivers, local, snapshot.Now, budget)
                .Where(d => d.Source == snapshot.Cluster));
        }
        return decisions;
    }

    /// <summary>
    /// A peer that received a workload of this home after its latest pressure reading may have been taken still reports the
    /// pressure from before the move: it receives no balance move until a reading shows it (else the next evaluation, right
    /// after the move, would send it a second workload on the old figure).
    /// </summary>
    public static bool TookWorkloadSinceReading(PeerSignal peer, SignalSnapshot snapshot) =>
        snapshot.Workloads.Any(w => w.Cluster == peer.Cluster && w.LastMovedAt is { } moved && moved >= peer.Latest.At - snapshot.PeerReadingAge);
}
