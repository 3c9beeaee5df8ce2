using Federation.Coordinator.Signals;

namespace Federation.Coordinator.Policy;

/// <summary>
/// The greedy balancer (after Gupta et al.) as a pure function: while the busiest cluster's pressure exceeds the least busy
/// one's by more than the margin, move from the busiest to the least busy the workload whose share comes nearest half the
/// difference (a share below the difference always narrows it). Each workload moves at most once per call, never within the
/// cooldown, never opted out, pinned or moving; only clusters that take migrations receive; at most <paramref name="budget"/> moves.
/// Shares are taken as the same on every cluster (clusters of like size).
/// </summary>
public static class BalanceDecisions
{
    /// <param name="pressures">Every cluster's latest pressure of the policy's resource (this one and the peers with a known value).</param>
    /// <param name="receivers">Clusters that take migrations.</param>
    public static IReadOnlyList<PolicyDecision> Decide(BalancePolicy policy, PolicyGuards guards, IReadOnlyDictionary<string, double> pressures,
        IReadOnlySet<string> receivers, IReadOnlyList<WorkloadSignal> workloads, DateTimeOffset now, int budget)
    {
        var load = new Dictionary<string, double>(pressures, StringComparer.Ordinal);
        var placed = workloads.ToDictionary(w => w.Workload, w => w.Cluster, StringComparer.Ordinal);
        var moved = new HashSet<string>(StringComparer.Ordinal);
        var decisions = new List<PolicyDecision>();
        var name = policy.Resource.ToString().ToLowerInvariant();
        while (decisions.Count < budget && load.Count >= 2)
        {
            var busiest = load.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First();
            var least = load.Where(p => receivers.Contains(p.Key) && p.Key != busiest.Key)
                .OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Cast<KeyValuePair<string, double>?>().FirstOrDefault();
            if (least is not { } target) break;
            var difference = busiest.Value - target.Value;
            if (difference <= policy.Margin) break;
            var pick = workloads
                .Where(w => placed[w.Workload] == busiest.Key && !moved.Contains(w.Workload) && !w.OptOut && !w.Pinned && !w.Moving && !w.Cooling(now, guards.Cooldown))
                .Where(w => w.Share(policy.Resource) > 0 && w.Share(policy.Resource) < difference)
                .OrderBy(w => Math.Abs(w.Share(policy.Resource) - difference / 2)).ThenBy(w => w.Workload, StringComparer.Ordinal)
                .FirstOrDefault();
            if (pick is null)
            {
                if (decisions.Count == 0)
                    decisions.Add(new PolicyDecision(DecisionKind.Hold, "", busiest.Key, "",
                        $"{name}: '{busiest.Key}' {EdgeOffloadDecisions.F(busiest.Value)} vs '{target.Key}' {EdgeOffloadDecisions.F(target.Value)} differ by {EdgeOffloadDecisions.F(difference)} > margin {EdgeOffloadDecisions.F(policy.Margin)}, but no workload there may move or would narrow it"));
                break;
            }
            var share = pick.Share(policy.Resource);
            decisions.Add(new PolicyDecision(DecisionKind.Balance, pick.Workload, busiest.Key, target.Key,
                $"{name}: busiest '{busiest.Key}' {EdgeOffloadDecisions.F(busiest.Value)}, least busy '{target.Key}' {EdgeOffloadDecisions.F(target.Value)}, difference {EdgeOffloadDecisions.F(difference)} > margin {EdgeOffloadDecisions.F(policy.Margin)}; {pick.Workload} holds {EdgeOffloadDecisions.F(share)}"));
            load[busiest.Key] -= share;
            load[target.Key] += share;
            placed[pick.Workload] = target.Key;
            moved.Add(pick.Workload);
        }
        return decisions;
    }
}
