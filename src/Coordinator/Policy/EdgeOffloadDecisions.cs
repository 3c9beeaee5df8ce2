using System.Globalization;
using Federation.Coordinator.Signals;

namespace Federation.Coordinator.Policy;

/// <summary>
/// Edge offload as a pure function of recorded signals: sustained above the upper threshold for the window, the workloads that
/// relieve this cluster most (lowest priority first, then largest share) go to the reachable peer with the most headroom, until
/// the pressure would be below the upper threshold; sustained below the lower threshold for the longer window, workloads whose
/// home is here come back (highest priority first) while the pressure stays below the upper threshold. Opt-outs, workloads
/// pinned by hand (a hold says so), workloads moving now and workloads that moved within the cooldown never move; at most <paramref name="budget"/> moves.
/// </summary>
public static class EdgeOffloadDecisions
{
    public static IReadOnlyList<PolicyDecision> Decide(EdgeOffloadPolicy policy, PolicyGuards guards, SignalSnapshot snapshot, int budget)
    {
        var resource = policy.Resource;
        var name = resource.ToString().ToLowerInvariant();
        var latest = snapshot.Series.Count > 0 ? snapshot.Series[^1].Of(resource) : null;
        if (latest is not { } pressure) return [];
        var cooldown = policy.Cooldown > guards.Cooldown ? policy.Cooldown : guards.Cooldown;

        if (SustainedPressure.Holds(snapshot.Series, resource, snapshot.Now, policy.Window, v => v > policy.Upper))
        {
            var why = $"{name} pressure {F(pressure)} above {F(policy.Upper)} for {Durations.Format(policy.Window)}";
            if (budget <= 0) return [Hold(snapshot, $"{why}; {snapshot.MigrationsInFlight} migration(s) under way, at most {guards.MaxConcurrentMigrations}")];
            var candidates = snapshot.Workloads
                .Where(w => w.Cluster == snapshot.Cluster && !w.Moving && !w.OptOut && !w.Pinned && !w.Cooling(snapshot.Now, cooldown))
                .OrderBy(w => w.Priority).ThenByDescending(w => w.Share(resource)).ThenBy(w => w.Workload, StringComparer.Ordinal)
                .ToList();
            if (candidates.Count == 0) return [Hold(snapshot, $"{why}; no workload may move{PinnedHere(snapshot)} (opted out, pinned, moving or within the cooldown of {Durations.Format(cooldown)})")];
            var peers = snapshot.Peers.Where(p => p.AcceptsMigrations && p.Latest.Of(resource) is not null)
                .ToDictionary(p => p.Cluster, p => p.Latest.Of(resource)!.Value, StringComparer.Ordinal);
            var decisions = new List<PolicyDecision>();
            var projected = pressure;
            foreach (var workload in candidates)
            {
                if (projected <= policy.Upper || decisions.Count >= budget) break;
                var share = workload.Share(resource);
                // The peer with the most headroom that stays at or below the upper threshold once the workload is there.
                var destination = peers.Where(p => p.Value + share <= policy.Upper)
                    .OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).FirstOrDefault();
                if (destination is null) continue;
                var headroom = 1 - peers[destination];
                peers[destination] += share;
                projected -= share;
                decisions.Add(new PolicyDecision(DecisionKind.Offload, workload.Workload, snapshot.Cluster, destination,
                    $"{why}; {workload.Workload} (priority {workload.Priority}) holds {F(share)}; '{destination}' has the most headroom ({F(headroom)}); pressure here after: {F(projected)}"));
            }
            return decisions.Count > 0 ? decisions
                : [Hold(snapshot, $"{why}; no reachable peer has room for any movable workload ({Peers(snapshot, resource)})")];
        }

        if (SustainedPressure.Holds(snapshot.Series, resource, snapshot.Now, policy.LowerWindow, v => v < policy.Lower))
        {
            var elsewhere = snapshot.Workloads
                .Where(w => w.HomeCluster == snapshot.Cluster && w.Cluster != snapshot.Cluster && !w.Moving && !w.OptOut && !w.Cooling(snapshot.Now, cooldown))
                .Where(w => snapshot.Peers.Any(p => p.Cluster == w.Cluster && p.AcceptsMigrations))
                .ToList();
            var why = $"{name} pressure {F(pressure)} below {F(policy.Lower)} for {Durations.Format(policy.LowerWindow)}";
            var away = elsewhere.Where(w => !w.Pinned)
                .OrderByDescending(w => w.Priority).ThenBy(w => w.Share(resource)).ThenBy(w => w.Workload, StringComparer.Ordinal)
                .ToList();
            if (away.Count == 0)
            {
                var pinned = elsewhere.Where(w => w.Pinned).Select(w => $"{w.Workload} in '{w.Cluster}'").Order(StringComparer.Ordinal).ToList();
                return pinned.Count == 0 ? [] : [Hold(snapshot, $"{why}; not brought home: pinned by hand: {string.Join(", ", pinned)}")];
            }
            if (budget <= 0) return [Hold(snapshot, $"{why}; {snapshot.MigrationsInFlight} migration(s) under way, at most {guards.MaxConcurrentMigrations}")];
            var decisions = new List<PolicyDecision>();
            var projected = pressure;
            foreach (var workload in away)
            {
                var share = workload.Share(resource);
                if (decisions.Count >= budget || projected + share >= policy.Upper) break;
                projected += share;
                decisions.Add(new PolicyDecision(DecisionKind.Return, workload.Workload, workload.Cluster, snapshot.Cluster,
                    $"{why}; {workload.Workload} comes home from '{workload.Cluster}' with {F(share)}; pressure here after: {F(projected)}"));
            }
            return decisions;
        }
        return [];
    }

    /// <summary>": W1, W2 pinned by hand" for this cluster's pinned workloads, or nothing.</summary>
    private static string PinnedHere(SignalSnapshot snapshot)
    {
        var pinned = snapshot.Workloads.Where(w => w.Cluster == snapshot.Cluster && w.Pinned).Select(w => w.Workload).Order(StringComparer.Ordinal).ToList();
        return pinned.Count == 0 ? "" : $": {string.Join(", ", pinned)} pinned by hand";
    }

    private static PolicyDecision Hold(SignalSnapshot snapshot, string reason) => new(DecisionKind.Hold, "", snapshot.Cluster, "", reason);

    private static string Peers(SignalSnapshot snapshot, PressureResource resource) => snapshot.Peers.Count == 0 ? "no peers"
        : string.Join(", ", snapshot.Peers.Select(p => $"{p.Cluster}: {(p.AcceptsMigrations ? p.Latest.Of(resource) is { } v ? F(v) : "unknown" : "unreachable")}"));

    internal static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
