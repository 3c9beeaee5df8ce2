using System.Globalization;
using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon.Mesos;

/// <summary>
/// The one Mesos agent behind the mock Marathon, as its master and the agent itself report it over HTTP: the master's
/// <c>/master/slaves</c> (id, hostname, port, pid, resources, used_resources, active) and the agent's <c>/monitor/statistics</c>
/// (an array of executors with their ResourceStatistics), in the shapes of Mesos's operator HTTP endpoints. The mock serves both
/// at its own address, which <c>/v2/info</c> names as the master (<c>marathon_config.master</c>). Tests set the executors'
/// counters (<see cref="SetExecutor"/>).
/// </summary>
public sealed class MesosAgentState
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, ExecutorStatistics> executors = new(StringComparer.Ordinal);

    public string AgentId { get; init; } = "a3e5e1c6-1f1b-4c7e-9d9e-0c7c2b0a5e21-S0";
    public double Cpus { get; set; } = 4;
    public double MemoryMiB { get; set; } = 8192;
    public string FrameworkId { get; set; } = "80ba2050-bf0f-4472-a2f7-2636c4f7b8c8-0000";

    public void SetExecutor(ExecutorStatistics statistics)
    {
        lock (gate) executors[statistics.ExecutorId] = statistics;
    }

    public void RemoveExecutor(string executorId)
    {
        lock (gate) executors.Remove(executorId);
    }

    /// <summary><c>GET /master/slaves</c> with the agent at <paramref name="hostPort"/>.</summary>
    public JsonObject Slaves(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        var host = hostPort[..colon];
        var port = int.Parse(hostPort[(colon + 1)..], CultureInfo.InvariantCulture);
        List<ExecutorStatistics> running;
        lock (gate) running = [.. executors.Values];
        return new JsonObject
        {
            ["slaves"] = new JsonArray(new JsonObject
            {
                ["id"] = AgentId,
                ["hostname"] = host,
                ["port"] = port,
                ["pid"] = $"slave(1)@{hostPort}",
                ["registered_time"] = 1388534400.0,
                ["active"] = true,
                ["version"] = "1.11.0",
                ["resources"] = Resources(Cpus, MemoryMiB),
                ["used_resources"] = Resources(running.Sum(e => e.CpusLimit), running.Sum(e => e.MemLimitBytes) / 1048576.0),
                ["offered_resources"] = Resources(0, 0),
                ["reserved_resources"] = new JsonObject(),
                ["unreserved_resources"] = Resources(Cpus, MemoryMiB),
                ["attributes"] = new JsonObject(),
            }),
            ["recovered_slaves"] = new JsonArray(),
        };
    }

    /// <summary><c>GET /monitor/statistics</c> of the agent.</summary>
    public JsonArray Statistics()
    {
        List<ExecutorStatistics> running;
        lock (gate) running = [.. executors.Values.OrderBy(e => e.ExecutorId, StringComparer.Ordinal)];
        var array = new JsonArray();
        foreach (var e in running)
        {
            array.Add(new JsonObject
            {
                ["executor_id"] = e.ExecutorId,
                ["executor_name"] = $"Command Executor (Task: {e.ExecutorId}) (Command: NO EXECUTABLE)",
                ["framework_id"] = FrameworkId,
                ["source"] = e.Source,
                ["statistics"] = new JsonObject
                {
                    ["timestamp"] = e.Timestamp,
                    ["cpus_limit"] = e.CpusLimit,
                    ["cpus_user_time_secs"] = e.CpusUserTimeSecs,
                    ["cpus_system_time_secs"] = e.CpusSystemTimeSecs,
                    ["mem_limit_bytes"] = e.MemLimitBytes,
                    ["mem_rss_bytes"] = e.MemRssBytes,
                },
            });
        }
        return array;
    }

    private static JsonObject Resources(double cpus, double memMiB) => new()
    {
        ["cpus"] = cpus,
        ["mem"] = memMiB,
        ["disk"] = 0.0,
        ["gpus"] = 0.0,
    };
}
