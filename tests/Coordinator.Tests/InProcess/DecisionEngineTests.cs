using Federation.Coordinator.Policy;
using Federation.Coordinator.Signals;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// The policies' decisions on recorded signal series (issue 12). Pure functions: every time is a fixed value of the series,
/// nothing here waits or reads a clock.
/// </summary>
[TestFixture]
public sealed class DecisionEngineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static readonly EdgeOffloadPolicy Edge = new(PressureResource.Cpu, Upper: 0.8, Window: TimeSpan.FromSeconds(60), Lower: 0.4,
        LowerWindow: TimeSpan.FromSeconds(300), Cooldown: TimeSpan.FromMinutes(10), "federation.io/priority", "federation.io/no-offload");

    private static readonly OffloadPolicy EdgeOnly = new(false, Edge, null, new PolicyGuards(2, TimeSpan.FromMinutes(10)));

    /// <summary>CPU pressure every 10 s from T0, the last one at "now".</summary>
    private static List<PressureSample> Cpu(params double[] values) =>
        values.Select((v, i) => new PressureSample(T0.AddSeconds(10 * i), v, 0.5, 0.5)).ToList();

    private static DateTimeOffset NowOf(List<PressureSample> series) => series[^1].At;

    private static PeerSignal Peer(string name, double cpu, bool reachable = true) => new(name, reachable, new PressureSample(T0, cpu, 0.5, 0.5));

    private static WorkloadSignal Local(string name, double cpu, int priority = 0, bool optOut = false, DateTimeOffset? moved = null) =>
        new(name, "edge", "edge", cpu, 0.1, 0.1, priority, optOut, moved);

    [Test]
    public void Sustained_high_pressure_moves_the_workloads_that_relieve_it_most_to_the_peer_with_the_most_headroom()
    {
        var series = Cpu(0.5, 0.85, 0.9, 0.92, 0.95, 0.93, 0.95, 0.95);
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series,
            [Local("shop/small", 0.05), Local("shop/big", 0.1), Local("shop/vip", 0.3, priority: 10)],
            [Peer("cloud", 0.2), Peer("other", 0.5)], MigrationsInFlight: 0);

        var decisions = DecisionEngine.Decide(EdgeOnly, snapshot);

        Assert.That(decisions.Select(d => (d.Kind, d.Workload, d.Source, d.Destination)),
            Is.EqualTo(new[] { (DecisionKind.Offload, "shop/big", "edge", "cloud"), (DecisionKind.Offload, "shop/small", "edge", "cloud") }),
            "lowest priority first, largest share first, until below the upper threshold (0.95 - 0.1 - 0.05 = 0.8)");
        Assert.That(decisions[0].Reason, Does.Contain("cpu pressure 0.95 above 0.8 for 1m").And.Contain("shop/big (priority 0) holds 0.1")
            .And.Contain("'cloud' has the most headroom (0.8)"));
    }

    [Test]
    public void Pressure_above_the_threshold_for_less_than_the_window_moves_nothing()
    {
        var series = Cpu(0.5, 0.5, 0.5, 0.9, 0.95, 0.95, 0.95);
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series, [Local("shop/big", 0.2)], [Peer("cloud", 0.1)], 0);
        Assert.That(DecisionEngine.Decide(EdgeOnly, snapshot), Is.Empty, "above for 30 s of a 60 s window");
    }

    [Test]
    public void A_series_that_does_not_reach_back_a_whole_window_moves_nothing()
    {
        var series = Cpu(0.95, 0.95, 0.95);
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series, [Local("shop/big", 0.2)], [Peer("cloud", 0.1)], 0);
        Assert.That(DecisionEngine.Decide(EdgeOnly, snapshot), Is.Empty);
    }

    [Test]
    public void Opted_out_cooling_and_moving_workloads_stay_and_the_hold_says_why()
    {
        var series = Cpu(0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9);
        var now = NowOf(series);
        var snapshot = new SignalSnapshot(now, "edge", series,
            [Local("shop/pinned", 0.3, optOut: true), Local("shop/recent", 0.3, moved: now.AddMinutes(-9)), Local("shop/busy", 0.3) with { Moving = true }],
            [Peer("cloud", 0.1)], 0);
        var decision = DecisionEngine.Decide(EdgeOnly, snapshot).Single();
        Assert.That(decision.Kind, Is.EqualTo(DecisionKind.Hold));
        Assert.That(decision.Reason, Does.Contain("no workload may move (opted out, pinned, moving or within the cooldown of 10m)"));

        var later = snapshot with { Now = now.AddMinutes(2), Series = [.. series, new PressureSample(now.AddMinutes(2), 0.9, 0.5, 0.5)] };
        Assert.That(DecisionEngine.Decide(EdgeOnly, later).Single().Workload, Is.EqualTo("shop/recent"), "its cooldown is over");
    }

    [Test]
    public void Unreachable_peers_and_peers_without_room_receive_nothing()
    {
        var series = Cpu(0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9);
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series, [Local("shop/big", 0.3)],
            [Peer("cloud", 0.1, reachable: false), Peer("full", 0.7)], 0);
        var decision = DecisionEngine.Decide(EdgeOnly, snapshot).Single();
        Assert.That(decision.Kind, Is.EqualTo(DecisionKind.Hold));
        Assert.That(decision.Reason, Does.Contain("cloud: unreachable").And.Contain("full: 0.7"));
    }

    [Test]
    public void The_guard_on_concurrent_migrations_limits_the_moves()
    {
        var series = Cpu(1, 1, 1, 1, 1, 1, 1);
        var workloads = new[] { Local("a/1", 0.1), Local("a/2", 0.1), Local("a/3", 0.1) };
        var oneRunning = new SignalSnapshot(NowOf(series), "edge", series, workloads, [Peer("cloud", 0)], MigrationsInFlight: 1);
        Assert.That(DecisionEngine.Decide(EdgeOnly, oneRunning).Count(d => d.Kind == DecisionKind.Offload), Is.EqualTo(1), "2 at most, 1 under way");
        var full = oneRunning with { MigrationsInFlight = 2 };
        Assert.That(DecisionEngine.Decide(EdgeOnly, full).Single().Reason, Does.Contain("2 migration(s) under way, at most 2"));
    }

    [Test]
    public void Sustained_low_pressure_for_the_longer_window_brings_workloads_home_and_not_sooner()
    {
        // 0.9 until T0+60 s, then 0.2 for 250 s: below the lower threshold, but not for the 300 s window yet.
        var series = Cpu(0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9).Concat(Enumerable.Range(1, 25).Select(i => new PressureSample(T0.AddSeconds(60 + 10 * i), 0.2, 0.5, 0.5))).ToList();
        var away = new WorkloadSignal("shop/big", "cloud", "edge", 0.25, 0.1, 0.1, LastMovedAt: T0.AddMinutes(-10));
        var important = new WorkloadSignal("shop/vip", "cloud", "edge", 0.25, 0.1, 0.1, Priority: 5, LastMovedAt: T0.AddMinutes(-10));
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series, [away, important], [Peer("cloud", 0.5)], 0);
        Assert.That(DecisionEngine.Decide(EdgeOnly, snapshot), Is.Empty, "hysteresis: the longer window has not passed");

        series.AddRange(Enumerable.Range(26, 10).Select(i => new PressureSample(T0.AddSeconds(60 + 10 * i), 0.2, 0.5, 0.5)));
        var decisions = DecisionEngine.Decide(EdgeOnly, snapshot with { Now = NowOf(series), Series = series });
        Assert.That(decisions.Select(d => (d.Kind, d.Workload, d.Source, d.Destination)),
            Is.EqualTo(new[] { (DecisionKind.Return, "shop/vip", "cloud", "edge"), (DecisionKind.Return, "shop/big", "cloud", "edge") }),
            "the highest priority first; both fit below the upper threshold (0.2 + 0.25 + 0.25)");
        Assert.That(decisions[0].Reason, Does.Contain("cpu pressure 0.2 below 0.4 for 5m"));
    }

    [Test]
    public void A_workload_pinned_by_hand_is_never_moved_out_and_the_hold_names_it()
    {
        var series = Cpu(0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9);
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series,
            [Local("shop/big", 0.3) with { Pinned = true }, Local("shop/small", 0.05)], [Peer("cloud", 0.1)], 0);
        var decisions = DecisionEngine.Decide(EdgeOnly, snapshot);
        Assert.That(decisions.Select(d => (d.Kind, d.Workload)), Is.EqualTo(new[] { (DecisionKind.Offload, "shop/small") }),
            "the largest share is pinned: the next one goes");

        var onlyPinned = snapshot with { Workloads = [Local("shop/big", 0.3) with { Pinned = true }] };
        var hold = DecisionEngine.Decide(EdgeOnly, onlyPinned).Single();
        Assert.That(hold.Kind, Is.EqualTo(DecisionKind.Hold));
        Assert.That(hold.Reason, Does.Contain("cpu pressure 0.9 above 0.8 for 1m; no workload may move: shop/big pinned by hand"));
    }

    [Test]
    public void A_workload_pinned_by_hand_elsewhere_is_not_brought_home_and_the_hold_says_so()
    {
        var series = Enumerable.Range(0, 40).Select(i => new PressureSample(T0.AddSeconds(10 * i), 0.1, 0.5, 0.5)).ToList();
        var pinned = new WorkloadSignal("shop/big", "cloud", "edge", 0.25, 0.1, 0.1, Pinned: true);
        var free = new WorkloadSignal("shop/free", "cloud", "edge", 0.25, 0.1, 0.1);
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series, [pinned, free], [Peer("cloud", 0.5)], 0);
        Assert.That(DecisionEngine.Decide(EdgeOnly, snapshot).Select(d => (d.Kind, d.Workload)), Is.EqualTo(new[] { (DecisionKind.Return, "shop/free") }));

        var hold = DecisionEngine.Decide(EdgeOnly, snapshot with { Workloads = [pinned] }).Single();
        Assert.That(hold.Kind, Is.EqualTo(DecisionKind.Hold));
        Assert.That(hold.Reason, Is.EqualTo("cpu pressure 0.1 below 0.4 for 5m; not brought home: pinned by hand: shop/big in 'cloud'"));
    }

    [Test]
    public void The_balancer_never_moves_a_pinned_workload()
    {
        var balance = new OffloadPolicy(false, null, new BalancePolicy(PressureResource.Cpu, 0.2), new PolicyGuards(2, TimeSpan.FromMinutes(10)));
        var series = Cpu(0.9);
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series,
            [Local("shop/half", 0.4) with { Pinned = true }, Local("shop/small", 0.1)], [Peer("cloud", 0.1)], 0);
        var moves = DecisionEngine.Decide(balance, snapshot).Where(d => d.Kind == DecisionKind.Balance).Select(d => d.Workload).ToList();
        Assert.That(moves, Is.EqualTo(new[] { "shop/small" }), "shop/half is nearest half the difference (0.4) but pinned");
    }

    [Test]
    public void Between_the_thresholds_nothing_moves_either_way()
    {
        var series = Enumerable.Range(0, 40).Select(i => new PressureSample(T0.AddSeconds(10 * i), 0.6, 0.5, 0.5)).ToList();
        var snapshot = new SignalSnapshot(NowOf(series), "edge", series, [Local("shop/here", 0.2), new WorkloadSignal("shop/away", "cloud", "edge", 0.2, 0, 0)],
            [Peer("cloud", 0.1)], 0);
        Assert.That(DecisionEngine.Decide(EdgeOnly, snapshot), Is.Empty);
    }

    [Test]
    public void The_balancer_moves_from_the_busiest_to_the_least_busy_until_within_the_margin_and_never_moves_a_workload_twice_in_its_cooldown()
    {
        var balance = new BalancePolicy(PressureResource.Cpu, 0.1);
        var guards = new PolicyGuards(1, TimeSpan.FromMinutes(10));
        // Three clusters with uneven CPU load; each workload's share is its CPU; a cluster's pressure is the sum of its shares.
        var workloads = new List<WorkloadSignal>
        {
            new("w/a1", "a", "a", 0.3, 0, 0), new("w/a2", "a", "a", 0.2, 0, 0), new("w/a3", "a", "a", 0.15, 0, 0), new("w/a4", "a", "a", 0.1, 0, 0),
            new("w/a5", "a", "a", 0.05, 0, 0), new("w/b1", "b", "b", 0.2, 0, 0), new("w/c1", "c", "c", 0.05, 0, 0),
        };
        var moves = new Dictionary<string, List<DateTimeOffset>>();
        var now = T0;
        for (var step = 0; step < 20; step++, now = now.AddSeconds(30))
        {
            var pressures = workloads.GroupBy(w => w.Cluster).ToDictionary(g => g.Key, g => g.Sum(w => w.CpuShare));
            foreach (var cluster in new[] { "a", "b", "c" }) pressures.TryAdd(cluster, 0);
            var decision = BalanceDecisions.Decide(balance, guards, pressures, new HashSet<string> { "a", "b", "c" }, workloads, now, budget: 1).SingleOrDefault();
            if (decision is null || decision.Kind == DecisionKind.Hold) break;
            Assert.That(decision.Reason, Does.Contain("> margin 0.1"));
            var index = workloads.FindIndex(w => w.Workload == decision.Workload);
            workloads[index] = workloads[index] with { Cluster = decision.Destination, LastMovedAt = now };
            (moves.TryGetValue(decision.Workload, out var times) ? times : moves[decision.Workload] = []).Add(now);
        }

        var final = workloads.GroupBy(w => w.Cluster).ToDictionary(g => g.Key, g => g.Sum(w => w.CpuShare));
        Assert.That(final.Values.Max() - final.Values.Min(), Is.LessThanOrEqualTo(0.1 + 1e-9), string.Join(", ", final.Select(p => $"{p.Key} {p.Value:0.00}")));
        Assert.That(moves, Is.Not.Empty);
        foreach (var (workload, times) in moves)
        {
            for (var i = 1; i < times.Count; i++)
                Assert.That(times[i] - times[i - 1], Is.GreaterThanOrEqualTo(guards.Cooldown), $"{workload} moved twice inside its cooldown");
        }
    }

    [Test]
    public void Balance_acts_only_for_this_clusters_own_workloads_and_only_when_edge_offload_moved_nothing()
    {
        var policy = new OffloadPolicy(false, null, new BalancePolicy(PressureResource.Cpu, 0.2), new PolicyGuards(1, TimeSpan.FromMinutes(10)));
        var series = new List<PressureSample> { new(T0, 0.9, 0.5, 0.5) };
        var here = new SignalSnapshot(T0, "edge", series, [Local("shop/big", 0.3), Local("shop/small", 0.1)], [Peer("cloud", 0.2), Peer("mid", 0.5)], 0);
        var decision = DecisionEngine.Decide(policy, here).Single();
        Assert.That((decision.Kind, decision.Workload, decision.Destination), Is.EqualTo((DecisionKind.Balance, "shop/big", "cloud")),
            "difference 0.7: the share nearest half of it");

        var notBusiest = here with { Series = [new PressureSample(T0, 0.3, 0.5, 0.5)], Peers = [Peer("cloud", 0.9), Peer("mid", 0.5)] };
        Assert.That(DecisionEngine.Decide(policy, notBusiest), Is.Empty, "the busiest cluster's coordinator moves its own workloads");
    }

    [Test]
    public void A_peer_that_took_a_workload_after_its_latest_reading_receives_no_balance_move_until_a_reading_shows_it()
    {
        var policy = new OffloadPolicy(false, null, new BalancePolicy(PressureResource.Workloads, 0.34), new PolicyGuards(1, TimeSpan.FromMinutes(10)));
        var now = T0.AddSeconds(30);
        var series = new List<PressureSample> { new(now, 0.5, 0.5, 2.0 / 3) };
        var movedToB = new WorkloadSignal("shop/one", "b", "a", 0, 0, 1.0 / 3, LastMovedAt: now.AddSeconds(-1));
        WorkloadSignal Here(string name) => new(name, "a", "a", 0, 0, 1.0 / 3);
        PeerSignal Reading(string name, double workloads, DateTimeOffset at) => new(name, true, new PressureSample(at, 0.5, 0.5, workloads));

        // b's heartbeat came after the move, but its reading may be up to a heartbeat interval older: still 0 slots.
        var stale = new SignalSnapshot(now, "a", series, [movedToB, Here("shop/two"), Here("shop/three")],
            [Reading("b", 0, now.AddSeconds(-0.5)), Reading("c", 0, now.AddSeconds(-0.5))], 0, PeerReadingAge: TimeSpan.FromSeconds(1));
        var decision = DecisionEngine.Decide(policy, stale).Single();
        Assert.That((decision.Kind, decision.Destination), Is.EqualTo((DecisionKind.Balance, "c")), "not b again on its figure from before the move");

        var onlyB = stale with { Peers = [Reading("b", 0, now.AddSeconds(-0.5))] };
        Assert.That(DecisionEngine.Decide(policy, onlyB), Is.Empty, "no other receiver: wait for b's next reading");

        var fresh = stale with { Peers = [Reading("b", 1.0 / 3, now.AddSeconds(1)), Reading("c", 1.0 / 3, now.AddSeconds(1))] };
        Assert.That(DecisionEngine.Decide(policy, fresh).Where(d => d.Kind == DecisionKind.Balance), Is.Empty,
            "with fresh readings the three hold a third each: within the margin");
        var freshB = stale with { Peers = [Reading("b", 1.0 / 3, now.AddSeconds(1))], Series = [new PressureSample(now, 0.5, 0.5, 1.0)] };
        Assert.That(DecisionEngine.Decide(policy, freshB).Single().Destination, Is.EqualTo("b"), "a reading taken after the move makes b a receiver again");
    }
}
