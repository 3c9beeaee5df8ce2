using System.Text.Json;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers GetAppUsage: the app container's CPU time and memory from the inner dockerd's stats (<c>GET
/// /containers/{id}/stats?stream=false&amp;one-shot=true</c>: one reading of its cgroup, v1 or v2, without Docker's wait for a
/// second sample). Memory is usage minus the page cache (v1 <c>total_inactive_file</c> or <c>cache</c>, v2 <c>inactive_file</c>),
/// as <c>docker stats</c> shows it.
/// </summary>
public sealed class AppUsageReader(DockerSocket docker, AppContainers containers)
{
    public async Task<AppUsage> ReadAsync(string name, CancellationToken ct)
    {
        Names.CheckAppName(name);
        var container = await containers.FindAsync(name, ct) ?? throw FederationException.NotFound($"app '{name}' is not in this runtime");
        if (!string.Equals(container.State, "running", StringComparison.Ordinal))
            throw FederationException.FailedPrecondition($"app '{name}' is {container.State}, not running: it uses nothing");
        using var response = await docker.Http.GetAsync($"containers/{Uri.EscapeDataString(container.ID)}/stats?stream=false&one-shot=true", ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new DockerCallException(response.StatusCode, $"stats of app '{name}': {ErrorMappingInterceptor.OneLine(text)}");
        var usage = FromDockerStats(text);
        usage.Name = name;
        usage.SampledAt = Timestamp.FromDateTime(DateTime.UtcNow);
        return usage;
    }

    /// <summary>CPU seconds and memory without cache from one answer of Docker's stats endpoint (cgroup v1 or v2 fields).</summary>
    public static AppUsage FromDockerStats(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var usage = new AppUsage();
        if (root.TryGetProperty("cpu_stats", out var cpu) && cpu.TryGetProperty("cpu_usage", out var cpuUsage)
            && cpuUsage.TryGetProperty("total_usage", out var total) && total.TryGetUInt64(out var nanoseconds))
            usage.CpuSeconds = nanoseconds / 1e9;
        if (root.TryGetProperty("memory_stats", out var memory) && memory.ValueKind == JsonValueKind.Object)
        {
            var used = Number(memory, "usage");
            var cache = 0UL;
            if (memory.TryGetProperty("stats", out var stats) && stats.ValueKind == JsonValueKind.Object)
                cache = Number(stats, "total_inactive_file") is > 0 and var v1 ? v1 : Number(stats, "inactive_file") is > 0 and var v2 ? v2 : Number(stats, "cache");
            usage.MemoryBytes = used > cache ? used - cache : 0;
            var limit = Number(memory, "limit");
            // "No limit" is the host's memory (as Docker reports it) or the largest page-aligned 64-bit value (the raw cgroup file).
            usage.MemoryLimitBytes = limit >= 1UL << 62 ? 0 : limit;
        }
        return usage;
    }

    private static ulong Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetUInt64(out var number) ? number : 0;
}
