using Federation.RuntimeModule.Engine;

namespace Federation.RuntimeModule.Tests.Unit;

/// <summary>An app's use from answers of Docker's stats endpoint as recorded (cgroup v1 from Docker 20.10 on this machine; v2 as Docker 26 writes it).</summary>
[TestFixture]
public sealed class AppUsageReaderTests
{
    [Test]
    public void Cgroup_v1_stats_give_cpu_seconds_and_memory_without_the_inactive_page_cache()
    {
        const string recorded = """
            {"read":"2026-11-24T12:03:41.555543803Z","cpu_stats":{"cpu_usage":{"total_usage":45326158,"percpu_usage":[15736476,29589682],
             "usage_in_kernelmode":30000000,"usage_in_usermode":10000000},"system_cpu_usage":117430140000000,"online_cpus":2},
             "memory_stats":{"usage":606208,"max_usage":3555328,"stats":{"cache":0,"total_inactive_file":0,"inactive_file":0,"rss":53248},"limit":25276514304}}
            """;
        var usage = AppUsageReader.FromDockerStats(recorded);
        Assert.That(usage.CpuSeconds, Is.EqualTo(0.045326158).Within(1e-12));
        Assert.That(usage.MemoryBytes, Is.EqualTo(606208));
        Assert.That(usage.MemoryLimitBytes, Is.EqualTo(25276514304), "no limit: Docker says the host's memory");

        var withCache = recorded.Replace("\"total_inactive_file\":0", "\"total_inactive_file\":100000", StringComparison.Ordinal);
        Assert.That(AppUsageReader.FromDockerStats(withCache).MemoryBytes, Is.EqualTo(506208), "inactive files are cache, not use");
    }

    [Test]
    public void Cgroup_v2_stats_subtract_inactive_file_and_a_raw_unlimited_value_is_no_limit()
    {
        const string recorded = """
            {"cpu_stats":{"cpu_usage":{"total_usage":2500000000,"usage_in_kernelmode":500000000,"usage_in_usermode":2000000000},"online_cpus":4},
             "memory_stats":{"usage":73400320,"stats":{"anon":52428800,"file":20971520,"inactive_file":10485760,"active_file":10485760},"limit":9223372036854771712}}
            """;
        var usage = AppUsageReader.FromDockerStats(recorded);
        Assert.That(usage.CpuSeconds, Is.EqualTo(2.5).Within(1e-12));
        Assert.That(usage.MemoryBytes, Is.EqualTo(73400320 - 10485760));
        Assert.That(usage.MemoryLimitBytes, Is.Zero);
    }

    [Test]
    public void A_stopped_containers_empty_stats_give_zeros_not_an_error()
    {
        var usage = AppUsageReader.FromDockerStats("""{"read":"0001-01-01T00:00:00Z","cpu_stats":{"cpu_usage":{"total_usage":0}},"memory_stats":{}}""");
        Assert.That((usage.CpuSeconds, usage.MemoryBytes, usage.MemoryLimitBytes), Is.EqualTo((0.0, 0UL, 0UL)));
    }
}
