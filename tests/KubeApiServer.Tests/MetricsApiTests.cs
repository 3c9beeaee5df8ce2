using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>
/// The mock's resource metrics API (metrics.k8s.io/v1beta1) read by the real kubectl (<c>kubectl top</c>) and by
/// KubernetesClient's own models; a server without it answers as a cluster without metrics-server.
/// </summary>
public sealed class MetricsApiTests
{
    private string directory = "";
    private KubeApiServer server = null!;
    private Kubectl kubectl = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Kubectl.Find();
        directory = Directory.CreateTempSubdirectory("kmock-metrics-").FullName;
        server = await KubeApiServer.StartAsync(new KubeApiServerOptions
        {
            NodeName = "worker-1", NodeCpu = "4", NodeMemory = "8Gi", BearerToken = MockServer.Token, MetricsApi = true,
        }, CancellationToken.None);
        Directory.CreateDirectory(Path.Combine(directory, "home"));
        kubectl = new Kubectl(server.WriteKubeconfig(Path.Combine(directory, "kubeconfig")), Path.Combine(directory, "home"));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public async Task KubectlTopShowsTheReadingsOfNodesAndPods()
    {
        using var client = MockServer.Client(server);
        var ns = await MockServer.NamespaceAsync(client, "top");
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("busy", ns, new Dictionary<string, string> { ["app"] = "busy" }), ns);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("idle", ns), ns);
        server.Metrics!.SetPod(ns, "busy", "app", "1500m", "256Mi");
        server.Metrics.SetPod(ns, "idle", "app", "2m", "10Mi");
        server.Metrics.SetNode("worker-1", "2", "3Gi");

        var nodes = await kubectl.RunAsync("top", "nodes");
        Assert.That(nodes.ExitCode, Is.EqualTo(0), nodes.ToString());
        // 2 of 4 allocatable cores is 50%, 3Gi of 8Gi 37%.
        Assert.That(nodes.Output, Does.Match(@"worker-1\s+2000m\s+50%\s+3072Mi\s+37%"), nodes.Output);

        var pods = await kubectl.RunAsync("top", "pods", "-n", ns);
        Assert.That(pods.ExitCode, Is.EqualTo(0), pods.ToString());
        Assert.That(pods.Output, Does.Match(@"busy\s+1500m\s+256Mi").And.Match(@"idle\s+2m\s+10Mi"), pods.Output);

        var selected = await kubectl.RunAsync("top", "pods", "-n", ns, "-l", "app=busy", "--containers");
        Assert.That(selected.ExitCode, Is.EqualTo(0), selected.ToString());
        Assert.That(selected.Output, Does.Match(@"busy\s+app\s+1500m\s+256Mi").And.Not.Contain("idle"), selected.Output);
    }

    [Test]
    public async Task KubernetesClientModelsReadTheSameShapes()
    {
        using var client = MockServer.Client(server);
        var ns = await MockServer.NamespaceAsync(client, "model");
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("one", ns), ns);
        server.Metrics!.SetPod(ns, "one", "app", "250m", "64Mi");

        var podList = await client.GetKubernetesPodsMetricsByNamespaceAsync(ns);
        var pod = podList.Items.Single();
        Assert.That(pod.Metadata.Name, Is.EqualTo("one"));
        Assert.That(pod.Metadata.NamespaceProperty, Is.EqualTo(ns));
        Assert.That(pod.Window, Is.EqualTo("15s"));
        Assert.That(pod.Timestamp, Is.Not.EqualTo(default(DateTime)));
        var container = pod.Containers.Single();
        Assert.That(container.Name, Is.EqualTo("app"));
        Assert.That(container.Usage["cpu"].ToDecimal(), Is.EqualTo(0.25m));
        Assert.That(container.Usage["memory"].ToDecimal(), Is.EqualTo(64m * 1024 * 1024));

        var nodeList = await client.CustomObjects.ListClusterCustomObjectAsync<NodeMetricsList>("metrics.k8s.io", "v1beta1", "nodes");
        Assert.That(nodeList.Items.Select(n => n.Metadata.Name), Is.EqualTo(new[] { "worker-1" }));
        Assert.That(nodeList.Items.Single().Usage.Keys, Is.EquivalentTo(new[] { "cpu", "memory" }));
        Assert.That((await client.GetKubernetesNodesMetricsAsync()).Items, Has.Count.EqualTo(1));

        var missing = Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.GetNamespacedCustomObjectAsync("metrics.k8s.io", "v1beta1", ns, "pods", "absent"));
        Assert.That(MockServer.StatusOf(missing!).Message, Is.EqualTo("podmetrics.metrics.k8s.io \"absent\" not found"));
    }

    [Test]
    public async Task ANodeWithoutItsOwnReadingReportsItsPods()
    {
        await using var bare = await KubeApiServer.StartAsync(new KubeApiServerOptions { NodeName = "n1", MetricsApi = true }, CancellationToken.None);
        using var client = new Kubernetes(bare.ClientConfiguration());
        var pod = MockServer.Pod("p", "default");
        pod.Spec.NodeName = "n1";
        await client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        Assert.That((await client.CustomObjects.ListClusterCustomObjectAsync<NodeMetricsList>("metrics.k8s.io", "v1beta1", "nodes")).Items, Is.Empty,
            "nothing scraped yet");
        bare.Metrics!.SetPod("default", "p", "app", "300m", "1Mi");
        var node = (await client.CustomObjects.ListClusterCustomObjectAsync<NodeMetricsList>("metrics.k8s.io", "v1beta1", "nodes")).Items.Single();
        Assert.That(node.Usage["cpu"].ToDecimal(), Is.EqualTo(0.3m));
        Assert.That(node.Usage["memory"].ToDecimal(), Is.EqualTo(1024m * 1024));
    }

    [Test]
    public async Task WithoutMetricsServerKubectlTopSaysTheApiIsMissing()
    {
        await using var plain = await KubeApiServer.StartAsync(new KubeApiServerOptions { NodeName = "n1", BearerToken = MockServer.Token }, CancellationToken.None);
        var home = Directory.CreateDirectory(Path.Combine(directory, "plain-home")).FullName;
        var plainKubectl = new Kubectl(plain.WriteKubeconfig(Path.Combine(directory, "plain-kubeconfig")), home);
        var top = await plainKubectl.RunAsync("top", "nodes");
        Assert.That(top.ExitCode, Is.Not.EqualTo(0), top.ToString());
        Assert.That(top.Error, Does.Contain("Metrics API not available"), top.ToString());
        Assert.That(plain.Metrics, Is.Null);
    }
}
