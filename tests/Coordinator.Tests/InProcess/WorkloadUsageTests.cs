using Federation.Adapters;
using Federation.Coordinator.Policy;
using Federation.Coordinator.Signals;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// Per-workload signals (issue 12) on recorded series, no timing: the smoothed CPU rate and memory of one workload
/// (<see cref="UsageSmoother"/>), its share of the cluster (<see cref="WorkloadShares"/>), and the decision engine ranking
/// workloads by what they really use.
/// </summary>
[TestFixture]
public sealed class WorkloadUsageTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    /// <summary>(seconds from T0, CPU seconds counter, memory MiB) readings into a smoother of weight <paramref name="alpha"/>.</summary>
    private static UsageSmoother Fed(double alpha, params (double At, double Cpu, int MiB)[] readings)
    {
        var smoother = new UsageSmoother(alpha);
        foreach (var (at, cpu, mib) in readings) smoother.Add(T0.AddSeconds(at), cpu, (ulong)mib << 20);
        return smoother;
    }

    [Test]
    public void A_steady_counter_gives_its_rate_in_cores_and_one_reading_gives_none()
    {
        Assert.That(Fed(0.3, (0, 5, 100)).Cores, Is.Null, "a rate needs two readings");
        var steady = Fed(0.3, (0, 5, 100), (10, 10, 100), (20, 15, 100), (30, 20, 100));
        Assert.That(steady.Cores, Is.EqualTo(0.5).Within(1e-9), "5 CPU seconds every 10 s");
        Assert.That(steady.MemoryBytes, Is.EqualTo(100.0 * (1 << 20)).Within(1e-3));
    }

    [Test]
    public void A_burst_is_smoothed_and_fades_with_the_weight_of_each_reading()
    {
        // 0.1 core, then one interval at 2 cores, then 0.1 again.
        var burst = Fed(0.5, (0, 0, 100), (10, 1, 100), (20, 21, 400), (30, 22, 100));
        // rates: 0.1, 2.0, 0.1 -> 0.1, 0.1 + 0.5 * 1.9 = 1.05, 1.05 + 0.5 * (0.1 - 1.05) = 0.575
        Assert.That(burst.Cores, Is.EqualTo(0.575).Within(1e-9));
        // memory: 100, 100, 250, 175 MiB
        Assert.That(burst.MemoryBytes! / (1 << 20), Is.EqualTo(175).Within(1e-9));
        Assert.That(Fed(1, (0, 0, 100), (10, 1, 100), (20, 21, 400)).Cores, Is.EqualTo(2).Within(1e-9), "weight 1 keeps only the newest");
    }

    [Test]
    public void A_counter_that_goes_back_after_a_restore_starts_a_new_baseline_and_a_stale_reading_is_ignored()
    {
        var restored = Fed(0.5, (0, 100, 50), (10, 110, 50), (20, 3, 50), (30, 13, 50));
        Assert.That(restored.Cores, Is.EqualTo(1).Within(1e-9), "1 core before and after; the drop is no negative rate");
        var stale = Fed(0.5, (0, 0, 50), (10, 10, 50), (5, 99, 50));
        Assert.That(stale.Cores, Is.EqualTo(1).Within(1e-9));
        Assert.That(stale.LastAt, Is.EqualTo(T0.AddSeconds(10)));
    }

    [Test]
    public void A_measured_workloads_share_is_its_use_over_the_clusters_capacity_and_an_unmeasured_ones_an_even_split()
    {
        var capacity = new CapacityReport(8UL << 30, 4UL << 30, 4, 0.6, 3, 8, "");
        var sample = new PressureSample(T0, 0.6, 0.5, 3 / 8.0);
        var measured = Fed(1, (0, 0, 2048), (10, 20, 2048));
        var (cpu, memory) = WorkloadShares.Of(measured, capacity, sample, 3);
        Assert.That(cpu, Is.EqualTo(0.5).Within(1e-9), "2 cores of 4");
        Assert.That(memory, Is.EqualTo(0.25).Within(1e-9), "2 GiB of 8");
        var (evenCpu, evenMemory) = WorkloadShares.Of(null, capacity, sample, 3);
        Assert.That((evenCpu, evenMemory), Is.EqualTo((0.2, 0.5 / 3)).Within(1e-9));
        Assert.That(WorkloadShares.Of(Fed(1, (0, 0, 1)), capacity, sample, 3).Cpu, Is.EqualTo(0.2).Within(1e-9), "memory measured, CPU not yet");
    }

    [Test]
    public void The_edge_offload_moves_the_workload_that_really_uses_the_cpu_not_the_first_of_an_even_split()
    {
        var capacity = new CapacityReport(8UL << 30, 4UL << 30, 2, 0.9, 3, 8, "");
        var series = Enumerable.Range(0, 7).Select(i => new PressureSample(T0.AddSeconds(10 * i), 0.9, 0.5, 3 / 8.0)).ToList();
        var idle = Fed(0.3, (0, 0, 64), (10, 0.1, 64), (20, 0.2, 64));
        var burner = Fed(0.3, (0, 0, 64), (10, 15, 64), (20, 30, 64));
        var small = Fed(0.3, (0, 0, 64), (10, 1, 64), (20, 2, 64));
        WorkloadSignal Signal(string name, UsageSmoother usage)
        {
            var (cpu, memory) = WorkloadShares.Of(usage, capacity, series[^1], 3);
            return new WorkloadSignal(name, "edge", "edge", cpu, memory, 1 / 8.0);
        }
        var policy = new OffloadPolicy(false, new EdgeOffloadPolicy(PressureResource.Cpu, 0.8, TimeSpan.FromSeconds(60), 0.4, TimeSpan.FromMinutes(5),
            TimeSpan.FromMinutes(10), "p", "o"), null, new PolicyGuards(1, TimeSpan.FromMinutes(10)));
        var snapshot = new SignalSnapshot(series[^1].At, "edge", series,
            [Signal("shop/a-idle", idle), Signal("shop/b-burner", burner), Signal("shop/c-small", small)], [new PeerSignal("cloud", true, new PressureSample(T0, 0, 0.2, 0))], 0);

        var decision = DecisionEngine.Decide(policy, snapshot).Single();

        Assert.That((decision.Kind, decision.Workload), Is.EqualTo((DecisionKind.Offload, "shop/b-burner")),
            "1.5 cores of 2: with an even split all three would hold 0.3 and the first by name would go");
        Assert.That(decision.Reason, Does.Contain("shop/b-burner (priority 0) holds 0.75"));
    }
}
