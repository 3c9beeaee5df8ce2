using k8s.Models;

namespace Federation.Adapters.Kubernetes.Cluster;

/// <summary>
/// A Kubernetes cluster's room as a <see cref="CapacityReport"/>, from what the API tells (pure, no I/O): the ready,
/// schedulable nodes' allocatable CPU and memory; in use, what the metrics API (metrics.k8s.io, metrics-server) measured on
/// those nodes, or, for a node it has no reading of (or when the API is not served), what the pods bound there request
/// (<see cref="CapacityReport.Detail"/> then says so).
/// </summary>
public static class KubeCapacity
{
    /// <param name="nodeMetrics">The metrics API's node readings; null when it is not served (<paramref name="metricsMissing"/> says why).</param>
    public static CapacityReport Report(IEnumerable<V1Node> allNodes, IEnumerable<V1Pod> allPods, IReadOnlyList<NodeMetrics>? nodeMetrics, string metricsMissing,
        int workloads, int slots)
    {
        var nodes = allNodes.Where(Schedulable).ToList();
        if (nodes.Count == 0) return new CapacityReport(null, null, 0, null, workloads, slots, "no ready, schedulable node");
        var pods = allPods.Where(p => p.Status?.Phase is not ("Succeeded" or "Failed") && p.Spec?.NodeName is { Length: > 0 }).ToList();
        decimal cpuTotal = 0, memoryTotal = 0, cpuUsed = 0, memoryUsed = 0;
        var byRequests = new List<string>();
        foreach (var node in nodes)
        {
            var name = node.Metadata.Name;
            cpuTotal += Quantity(node.Status?.Allocatable, "cpu");
            memoryTotal += Quantity(node.Status?.Allocatable, "memory");
            if (nodeMetrics?.FirstOrDefault(m => m.Metadata?.Name == name) is { Usage: { } usage })
            {
                cpuUsed += Quantity(usage, "cpu");
                memoryUsed += Quantity(usage, "memory");
                continue;
            }
            byRequests.Add(name);
            foreach (var container in pods.Where(p => p.Spec.NodeName == name).SelectMany(p => p.Spec.Containers ?? []))
            {
                cpuUsed += Quantity(container.Resources?.Requests, "cpu");
                memoryUsed += Quantity(container.Resources?.Requests, "memory");
            }
        }
        var detail = nodeMetrics is null
            ? $"metrics API (metrics.k8s.io) not available ({metricsMissing}): CPU and memory in use are the pods' requests"
            : byRequests.Count > 0 ? $"no metrics for node(s) {string.Join(", ", byRequests)}: their CPU and memory in use are the pods' requests" : "";
        var cpus = cpuTotal <= 0 ? 0u : (uint)Math.Max(1, Math.Round(cpuTotal));
        return new CapacityReport(
            (ulong)Math.Max(0, memoryTotal),
            (ulong)Math.Max(0, memoryTotal - memoryUsed),
            cpus,
            cpuTotal > 0 ? (double)(cpuUsed / cpuTotal) : null,
            workloads,
            slots,
            detail);
    }

    public static bool Schedulable(V1Node node) =>
        node.Spec?.Unschedulable != true && node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != false;

    private static decimal Quantity(IDictionary<string, ResourceQuantity>? map, string key) =>
        map?.TryGetValue(key, out var q) == true && q is not null ? q.ToDecimal() : 0;
}
