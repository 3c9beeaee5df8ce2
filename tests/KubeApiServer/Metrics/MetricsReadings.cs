namespace Federation.Tests.Kube.Metrics;

/// <summary>
/// What the mock's metrics API (metrics.k8s.io/v1beta1, as metrics-server serves it) reports: usage the test sets per pod
/// container and, optionally, per node. A node without a reading of its own reports the sum of its pods' readings (a real
/// node also counts its system daemons). Quantities are Kubernetes quantity strings ("250m", "64Mi").
/// </summary>
public sealed class MetricsReadings
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, ContainerUsage> nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Pod), Dictionary<string, ContainerUsage>> pods = [];

    /// <summary>The scrape window every item reports (metrics-server's default resolution is 15 s; it reports the window it measured).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(15);

    public void SetNode(string node, string cpu, string memory)
    {
        lock (gate) nodes[node] = new ContainerUsage(cpu, memory);
    }

    public void SetPod(string ns, string pod, string container, string cpu, string memory)
    {
        lock (gate)
        {
            if (!pods.TryGetValue((ns, pod), out var containers)) pods[(ns, pod)] = containers = new Dictionary<string, ContainerUsage>(StringComparer.Ordinal);
            containers[container] = new ContainerUsage(cpu, memory);
        }
    }

    /// <summary>Forgets every reading (the metrics API then lists nothing, as a metrics-server that has not scraped yet).</summary>
    public void Clear()
    {
        lock (gate)
        {
            nodes.Clear();
            pods.Clear();
        }
    }

    public ContainerUsage? Node(string node)
    {
        lock (gate) return nodes.GetValueOrDefault(node);
    }

    public IReadOnlyDictionary<string, ContainerUsage>? Pod(string ns, string pod)
    {
        lock (gate) return pods.TryGetValue((ns, pod), out var containers) ? new Dictionary<string, ContainerUsage>(containers) : null;
    }
}
