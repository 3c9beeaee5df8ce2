using System.Globalization;
using System.Text.Json.Nodes;
using Federation.Adapters.Mesos.Api;

namespace Federation.Adapters.Mesos.Capacity;

/// <summary>
/// A Marathon cluster's room as Mesos tells it: <c>/v2/info</c> names the Mesos master (<c>marathon_config.master</c>); the
/// master's <c>/master/slaves</c> gives each active agent's resources (cpus, mem in MiB); each agent's <c>/monitor/statistics</c>
/// gives its executors' statistics: memory in use is the sum of <c>mem_rss_bytes</c>, CPU in use the rate of
/// <c>cpus_user_time_secs + cpus_system_time_secs</c> between two samples (<see cref="ExecutorCpuRates"/>). An agent whose statistics
/// do not answer counts what Mesos allocated there (<c>used_resources</c>); what is not known is said in the detail.
/// </summary>
public sealed class MesosCapacity(MarathonApi api)
{
    private readonly ExecutorCpuRates rates = new();
    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task<CapacityReport> ReportAsync(int workloads, int slots, CancellationToken ct)
    {
        var info = await api.InfoAsync(ct);
        var master = info.MarathonConfig?.Master?.Trim() ?? "";
        if (master.Length == 0) return CapacityReport.Unknown("Marathon's /v2/info names no Mesos master") with { Workloads = workloads, WorkloadSlotsTotal = slots };
        if (master.StartsWith("zk://", StringComparison.OrdinalIgnoreCase))
            return CapacityReport.Unknown($"the Mesos master is found through ZooKeeper ({master}), which the adapter does not read") with { Workloads = workloads, WorkloadSlotsTotal = slots };
        var masterUrl = new Uri(master.Contains("://", StringComparison.Ordinal) ? master : $"http://{master}");
        var slaves = await api.GetJsonAsync(new Uri(masterUrl, "master/slaves"), "read the Mesos master's agents", ct);
        double cpus = 0, memoryMiB = 0, allocatedCpus = 0, rssBytes = 0;
        var readings = new List<(string, double, double)>();
        var problems = new List<string>();
        foreach (var agent in slaves["slaves"]?.AsArray().OfType<JsonObject>().Where(a => a["active"]?.GetValue<bool>() != false) ?? [])
        {
            cpus += Number(agent["resources"]?["cpus"]);
            memoryMiB += Number(agent["resources"]?["mem"]);
            var host = agent["hostname"]?.GetValue<string>() ?? "";
            var port = (int)Number(agent["port"]);
            try
            {
                var statistics = await api.GetJsonAsync(new Uri($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}/monitor/statistics"),
                    $"read the statistics of Mesos agent {host}", ct);
                foreach (var executor in statistics.AsArray().OfType<JsonObject>())
                {
                    var s = executor["statistics"];
                    var id = $"{agent["id"]}/{executor["framework_id"]}/{executor["executor_id"]}";
                    readings.Add((id, Number(s?["timestamp"]), Number(s?["cpus_user_time_secs"]) + Number(s?["cpus_system_time_secs"])));
                    rssBytes += Number(s?["mem_rss_bytes"]);
                }
            }
            catch (FederationException e)
            {
                problems.Add($"{e.Message}: what Mesos allocated there counts");
                allocatedCpus += Number(agent["used_resources"]?["cpus"]);
                rssBytes += Number(agent["used_resources"]?["mem"]) * 1024 * 1024;
            }
        }
        if (cpus <= 0 && memoryMiB <= 0) return CapacityReport.Unknown("the Mesos master reports no active agent") with { Workloads = workloads, WorkloadSlotsTotal = slots };
        double cores;
        int withoutRate;
        await gate.WaitAsync(ct);
        try
        {
            (cores, withoutRate) = rates.Update(readings);
        }
        finally
        {
            gate.Release();
        }
        if (withoutRate > 0) problems.Add($"CPU use of {withoutRate} executor(s) is known from the next sample on");
        var total = (ulong)(memoryMiB * 1024 * 1024);
        var free = (ulong)Math.Max(0, memoryMiB * 1024 * 1024 - rssBytes);
        return new CapacityReport(total, free, cpus <= 0 ? 0 : (uint)Math.Max(1, Math.Round(cpus)), cpus > 0 ? (cores + allocatedCpus) / cpus : null,
            workloads, slots, string.Join("; ", problems));
    }

    private static double Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<double>(out var number) ? number : 0;
}
