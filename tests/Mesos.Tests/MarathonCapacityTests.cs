using System.Text.Json.Nodes;
using Federation.Adapters.Mesos.Capacity;
using Federation.Tests.Marathon;
using Federation.Tests.Marathon.Mesos;

namespace Federation.Mesos.Tests;

/// <summary>
/// The Marathon adapter's capacity: /v2/info names the Mesos master, its /master/slaves the agents' resources, each agent's
/// /monitor/statistics the executors' use (the mock serves both in Mesos's shapes); CPU is a rate between two samples.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MarathonCapacityTests
{
    private const double MiB = 1024 * 1024;
    private MockMarathon mock = null!;
    private AdapterUnderTest adapter = null!;

    [SetUp]
    public async Task StartAsync()
    {
        mock = await MockMarathon.StartAsync(new MockMarathonOptions(), CancellationToken.None);
        adapter = new AdapterUnderTest(mock.BaseAddress, "127.0.0.1", s => s.MaxWorkloads = 5);
    }

    [TearDown]
    public async Task StopAsync()
    {
        adapter.Dispose();
        await mock.DisposeAsync();
    }

    private static ExecutorStatistics Executor(string id, double at, double user, double system, long rss) =>
        new(id, $"{id}.source", at, user, system, 1.1, rss, 512L * 1024 * 1024);

    [Test]
    public async Task Memory_comes_from_the_executors_rss_and_CPU_from_the_rate_of_their_counters_between_two_samples()
    {
        mock.Mesos.Cpus = 4;
        mock.Mesos.MemoryMiB = 8192;
        mock.Mesos.SetExecutor(Executor("runtime-a", 1000, 10, 2, (long)(1024 * MiB)));
        mock.Mesos.SetExecutor(Executor("runtime-b", 1000, 5, 1, (long)(512 * MiB)));

        var first = await adapter.Adapter.GetCapacityAsync(CancellationToken.None);
        Assert.That(first.Cpus, Is.EqualTo(4u));
        Assert.That(first.MemoryTotalBytes, Is.EqualTo((ulong)(8192 * MiB)));
        Assert.That(first.MemoryFreeBytes, Is.EqualTo((ulong)((8192 - 1536) * MiB)));
        Assert.That(first.CpuUsed, Is.EqualTo(0), "no rate yet");
        Assert.That(first.Detail, Is.EqualTo("CPU use of 2 executor(s) is known from the next sample on"));
        Assert.That(first.WorkloadSlotsTotal, Is.EqualTo(5));

        // 4 s later: a used 2 CPU-seconds (0.5 cores), b 1 (0.25 cores).
        mock.Mesos.SetExecutor(Executor("runtime-a", 1004, 11.5, 2.5, (long)(1024 * MiB)));
        mock.Mesos.SetExecutor(Executor("runtime-b", 1004, 5.8, 1.2, (long)(512 * MiB)));
        var second = await adapter.Adapter.GetCapacityAsync(CancellationToken.None);
        Assert.That(second.CpuUsed, Is.EqualTo(0.75 / 4).Within(1e-9));
        Assert.That(second.Detail, Is.Empty);

        var paths = mock.Requests.Select(r => r.Path).ToList();
        Assert.That(paths, Has.Some.EqualTo("/v2/info").And.Some.EqualTo("/master/slaves").And.Some.EqualTo("/monitor/statistics"));
    }

    [Test]
    public async Task An_agent_whose_statistics_fail_counts_what_Mesos_allocated_there_and_says_so()
    {
        mock.Mesos.SetExecutor(Executor("runtime-a", 1000, 10, 2, (long)(100 * MiB)));
        mock.FailNext("GET", "/monitor/statistics", 503);
        var report = await adapter.Adapter.GetCapacityAsync(CancellationToken.None);
        TestContext.Out.WriteLine(report.Detail);
        Assert.That(report.CpuUsed, Is.EqualTo(1.1 / 4).Within(1e-9), "the executor's cpus_limit, allocated");
        Assert.That(report.MemoryFreeBytes, Is.EqualTo((ulong)((8192 - 512) * MiB)));
        Assert.That(report.Detail, Does.Contain("what Mesos allocated there counts").And.Contain("503").And.Not.Contain("\n"));
    }

    [Test]
    public async Task The_mock_serves_Mesos_documented_shapes()
    {
        mock.Mesos.SetExecutor(Executor("runtime-a", 1000, 10, 2, 4096));
        using var http = new HttpClient { BaseAddress = mock.BaseAddress };
        var statistics = JsonNode.Parse(await http.GetStringAsync("/monitor/statistics"))!.AsArray().Single()!;
        Assert.That(statistics.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "executor_id", "executor_name", "framework_id", "source", "statistics" }));
        Assert.That(statistics["statistics"]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[]
            { "timestamp", "cpus_user_time_secs", "cpus_system_time_secs", "cpus_limit", "mem_rss_bytes", "mem_limit_bytes" }));
        var agent = JsonNode.Parse(await http.GetStringAsync("/master/slaves"))!["slaves"]!.AsArray().Single()!;
        Assert.That(agent["resources"]!["cpus"]!.GetValue<double>(), Is.EqualTo(4));
        Assert.That(agent["resources"]!["mem"]!.GetValue<double>(), Is.EqualTo(8192));
        var info = JsonNode.Parse(await http.GetStringAsync("/v2/info"))!;
        Assert.That(info["marathon_config"]!["master"]!.GetValue<string>(), Is.EqualTo(mock.BaseAddress.Authority));
    }

    [Test]
    public void Rates_start_again_when_a_counter_goes_back_and_keep_when_a_reading_did_not_advance()
    {
        var rates = new ExecutorCpuRates();
        Assert.That(rates.Update([("e", 10, 5)]), Is.EqualTo((0.0, 1)));
        Assert.That(rates.Update([("e", 12, 6)]), Is.EqualTo((0.5, 0)));
        Assert.That(rates.Update([("e", 12, 6)]), Is.EqualTo((0.5, 0)), "the same reading again keeps its rate");
        Assert.That(rates.Update([("e", 13, 1)]), Is.EqualTo((0.0, 1)), "a new executor under the same id");
        Assert.That(rates.Update([("f", 13, 1)]), Is.EqualTo((0.0, 1)), "e forgotten, f new");
    }
}
