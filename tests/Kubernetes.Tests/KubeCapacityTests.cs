using Federation.Adapters;
using Federation.Adapters.Kubernetes;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.Adapters.Kubernetes.Ownership;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Adapters.Kubernetes.Traffic;
using Federation.Tests.Kube;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Kubernetes.Tests;

/// <summary>
/// The Kubernetes adapter's capacity: allocatable of the nodes, use from the metrics API (the mock serves metrics.k8s.io as
/// metrics-server does), the pods' requests when the API is not served, said in the detail.
/// </summary>
[TestFixture]
public sealed class KubeCapacityTests
{
    private const long Gi = 1024L * 1024 * 1024;

    private static KubernetesAdapter AdapterOn(MockCluster cluster, int maxWorkloads)
    {
        var options = new KubernetesAdapterOptions
        {
            Cluster = "a",
            Flavor = Adapters.Kubernetes.KubeFlavor.Kubernetes,
            Pods = SampleReviews.Options(),
            RelayDirectory = Path.Combine(Path.GetTempPath(), $"fedtest-relay-{Guid.NewGuid():N}"),
            PodReadyTimeout = TimeSpan.FromSeconds(5),
            MaxWorkloads = maxWorkloads,
        };
        var builder = new RuntimePodBuilder(options.Pods);
        return new KubernetesAdapter(cluster.Api, options, builder, new WorkloadOwners(cluster.Api, builder, NullLogger<WorkloadOwners>.Instance),
            new ServiceTrafficSwitch(cluster.Api, new RelayPod(cluster.Api, options), NullLoggerFactory.Instance), new PlacementProbe(cluster.Api, options),
            new RecordingEngines(), NullLoggerFactory.Instance);
    }

    private static V1Pod RuntimePod(string name, string workload, string cpuRequest, string memoryRequest)
    {
        var pod = MockCluster.Pod(name, labels: new Dictionary<string, string> { [FederationLabels.Runtime] = "true", [FederationLabels.Workload] = workload });
        pod.Spec.NodeName = "node-1";
        pod.Spec.Containers[0].Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest), ["memory"] = new(memoryRequest) },
        };
        return pod;
    }

    private static KubeApiServerOptions Node(bool metrics) => new() { NodeName = "node-1", NodeCpu = "4", NodeMemory = "8Gi", MetricsApi = metrics };

    [Test]
    public async Task Use_comes_from_the_metrics_API_and_room_from_the_nodes_allocatable()
    {
        await using var cluster = await MockCluster.StartAsync(Node(metrics: true));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(RuntimePod("counter-1", "counter", "100m", "128Mi"), "default", cancellationToken: timeout.Token);
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(MockCluster.Pod("other"), "default", cancellationToken: timeout.Token);
        cluster.Server.Metrics!.SetNode("node-1", "1", "2Gi");

        var report = await AdapterOn(cluster, maxWorkloads: 4).GetCapacityAsync(timeout.Token);

        Assert.That(report.Detail, Is.Empty);
        Assert.That(report.Cpus, Is.EqualTo(4u));
        Assert.That(report.CpuUsed, Is.EqualTo(0.25).Within(1e-9), "1 of 4 allocatable cores measured, not the 100m requested");
        Assert.That(report.MemoryTotalBytes, Is.EqualTo((ulong)(8 * Gi)));
        Assert.That(report.MemoryFreeBytes, Is.EqualTo((ulong)(6 * Gi)));
        Assert.That(report.Workloads, Is.EqualTo(1), "runtime pods only");
        Assert.That(report.WorkloadSlotsTotal, Is.EqualTo(4));
        Assert.That(cluster.Server.Requests.Select(r => r.Path), Has.Some.StartsWith("/apis/metrics.k8s.io/v1beta1/nodes"));
    }

    [Test]
    public async Task Without_metrics_server_use_is_the_pods_requests_and_the_detail_says_so()
    {
        await using var cluster = await MockCluster.StartAsync(Node(metrics: false));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(RuntimePod("counter-1", "counter", "500m", "1Gi"), "default", cancellationToken: timeout.Token);
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(RuntimePod("redis-1", "redis", "500m", "1Gi"), "default", cancellationToken: timeout.Token);

        var report = await AdapterOn(cluster, maxWorkloads: 8).GetCapacityAsync(timeout.Token);

        TestContext.Out.WriteLine(report.Detail);
        Assert.That(report.CpuUsed, Is.EqualTo(0.25).Within(1e-9), "2 x 500m requested of 4 cores");
        Assert.That(report.MemoryFreeBytes, Is.EqualTo((ulong)(6 * Gi)));
        Assert.That(report.Workloads, Is.EqualTo(2));
        Assert.That(report.Detail, Does.StartWith("metrics API (metrics.k8s.io) not available (").And.EndWith("CPU and memory in use are the pods' requests")
            .And.Not.Contain("\n"));
    }

    [Test]
    public void A_node_the_metrics_API_has_no_reading_of_counts_its_requests_and_an_unready_node_counts_not_at_all()
    {
        var ready = new V1NodeCondition { Type = "Ready", Status = "True" };
        V1Node NodeOf(string name, string cpu, bool isReady) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Status = new V1NodeStatus
            {
                Allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new("4Gi") },
                Conditions = [isReady ? ready : new V1NodeCondition { Type = "Ready", Status = "False" }],
            },
        };
        var pod = RuntimePod("p", "p", "1", "1Gi");
        pod.Spec.NodeName = "b";
        var measured = new NodeMetrics
        {
            Metadata = new V1ObjectMeta { Name = "a" },
            Usage = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1500m"), ["memory"] = new("1Gi") },
        };

        var report = KubeCapacity.Report([NodeOf("a", "2", true), NodeOf("b", "2", true), NodeOf("down", "64", false)], [pod], [measured], "", 1, 16);

        Assert.That(report.Cpus, Is.EqualTo(4u));
        Assert.That(report.CpuUsed, Is.EqualTo(2.5 / 4).Within(1e-9));
        Assert.That(report.MemoryTotalBytes, Is.EqualTo((ulong)(8 * Gi)));
        Assert.That(report.MemoryFreeBytes, Is.EqualTo((ulong)(6 * Gi)));
        Assert.That(report.Detail, Is.EqualTo("no metrics for node(s) b: their CPU and memory in use are the pods' requests"));
        Assert.That(KubeCapacity.Report([NodeOf("down", "2", false)], [], null, "x", 0, 16).Detail, Is.EqualTo("no ready, schedulable node"));
    }
}
