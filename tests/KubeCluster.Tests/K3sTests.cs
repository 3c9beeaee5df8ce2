using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>The same harness as a K3s cluster: the API server says so, and its pods run and are served alike.</summary>
[TestFixture]
public sealed class K3sTests() : ClusterFixture("k3s", KubeFlavor.K3s)
{
    [Test]
    public async Task A_k3s_cluster_runs_a_pod_behind_a_service()
    {
        var version = await Client.Version.GetCodeAsync();
        Assert.That(version.GitVersion, Does.Contain("+k3s"));

        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "edge", Labels = new Dictionary<string, string> { ["app"] = "edge" } },
            Spec = new V1PodSpec { Containers = [TestApp()] },
        }, Ns);
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "edge" },
            Spec = new V1ServiceSpec { Type = "NodePort", Selector = new Dictionary<string, string> { ["app"] = "edge" }, Ports = [new V1ServicePort { Port = 7000 }] },
        }, Ns);
        var pod = await RunningAsync("edge");
        Assert.That(pod.Status.HostIP, Is.EqualTo(Cluster.NodeIp));

        var address = await Cluster.WaitForServiceAsync(Ns, "edge", 7000, CancellationToken.None);
        var answer = await Eventually.WaitAsync(async () => await LineClient.AskAsync(address) is { } line && line.StartsWith("counter=", StringComparison.Ordinal) ? line : null,
            "the test app answering through the NodePort service");
        Assert.That(answer, Does.Contain("seed="));
    }
}
