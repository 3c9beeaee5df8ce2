using Federation.Adapters.K3s;
using Federation.Adapters.Kubernetes;
using Federation.Adapters.Kubernetes.Cluster;
using k8s;
using k8s.Models;
using MockFlavor = Federation.Tests.Kube.KubeFlavor;

namespace Federation.Kubernetes.Tests;

/// <summary>K3s is detected from the cluster, and the kubeconfig defaults differ by kind.</summary>
[TestFixture]
public sealed class ClusterFlavorTests
{
    [TestCase(MockFlavor.K3s, true, "+k3s1")]
    [TestCase(MockFlavor.Kubernetes, false, "v1.31.4")]
    public async Task The_distribution_is_read_from_the_server_version_and_node_labels(MockFlavor flavor, bool k3s, string version)
    {
        await using var cluster = await MockCluster.StartAsync(flavor);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var info = await cluster.Client.Version.GetCodeAsync(timeout.Token);
        var nodes = await cluster.Client.CoreV1.ListNodeAsync(cancellationToken: timeout.Token);
        var detected = ClusterDistribution.Detect(info, nodes.Items);
        Assert.That(detected.IsK3s, Is.EqualTo(k3s));
        Assert.That(detected.GitVersion, Does.Contain(version));
        Assert.That(detected.ContainerRuntime, Does.StartWith("containerd://"), "both run containerd: the runtime pod brings its own dockerd");
    }

    [Test]
    public void A_k3s_node_label_alone_is_enough()
    {
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = "edge", Labels = new Dictionary<string, string> { [ClusterDistribution.InstanceTypeLabel] = "k3s" } } };
        Assert.That(ClusterDistribution.Detect(new VersionInfo { GitVersion = "v1.31.4" }, [node]).IsK3s, Is.True);
        Assert.That(ClusterDistribution.Detect(new VersionInfo { GitVersion = "v1.31.4" }, []).IsK3s, Is.False);
    }

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Test]
    public void The_setting_wins_then_KUBECONFIG_then_in_cluster_then_the_kinds_default()
    {
        Func<string, string?> env = name => name == "KUBECONFIG" ? "/env/one:/env/two" : null;
        Assert.That(KubeconfigLocator.Locate("/given", K3sAdapterRegistration.Flavor, env, inCluster: true), Is.EqualTo("/given"));
        Assert.That(KubeconfigLocator.Locate("", K3sAdapterRegistration.Flavor, env, inCluster: true), Is.EqualTo("/env/one"), "the first file of $KUBECONFIG");
        Assert.That(KubeconfigLocator.Locate("", K3sAdapterRegistration.Flavor, NoEnvironment, inCluster: true), Is.EqualTo(KubeconfigLocator.InCluster));
        Assert.That(KubeconfigLocator.Locate("", K3sAdapterRegistration.Flavor, NoEnvironment, inCluster: false), Is.EqualTo("/etc/rancher/k3s/k3s.yaml"));
        Assert.That(KubeconfigLocator.Locate("", KubeFlavor.Kubernetes, NoEnvironment, inCluster: false),
            Is.EqualTo(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")));
    }

    [Test]
    public void K3s_shares_the_kubernetes_code_under_its_own_kind()
    {
        Assert.That(K3sAdapterRegistration.Module.Kind, Is.EqualTo("k3s"));
        Assert.That(KubernetesAdapterRegistration.Module.Kind, Is.EqualTo("kubernetes"));
        Assert.That(K3sAdapterRegistration.Module.Switches, Is.SameAs(KubernetesAdapterRegistration.Module.Switches));
        Assert.That(typeof(K3sAdapterRegistration).Assembly.GetTypes().Where(t => t.IsClass && t.Name != nameof(K3sAdapterRegistration) && !t.Name.StartsWith('<')), Is.Empty,
            "the K3s project only changes defaults");
    }

    [Test]
    public void A_missing_kubeconfig_refuses_the_load_with_one_line_naming_the_k3s_default()
    {
        var e = Assert.Throws<FederationException>(() => KubeconfigLocator.Load("/nonexistent/k3s.yaml", "", K3sAdapterRegistration.Flavor))!;
        Assert.That(e.Error, Is.EqualTo(FederationError.FailedPrecondition));
        Assert.That(e.Message, Is.EqualTo("kubeconfig /nonexistent/k3s.yaml does not exist (set --kubeconfig or $KUBECONFIG; K3s writes /etc/rancher/k3s/k3s.yaml)"));
    }

    [Test]
    public async Task The_mocks_kubeconfig_loads()
    {
        // With a bearer token (and so HTTPS): the mock's kubeconfig then carries credentials KubernetesClient accepts.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var server = await Federation.Tests.Kube.KubeApiServer.StartAsync(
            new Federation.Tests.Kube.KubeApiServerOptions { Flavor = MockFlavor.K3s, NodeName = "k3s-node-1", BearerToken = "fedtest-token" }, timeout.Token);
        var path = Path.Combine(Path.GetTempPath(), $"fedtest-k3s-{Guid.NewGuid():N}.yaml");
        try
        {
            server.WriteKubeconfig(path);
            var configuration = KubeconfigLocator.Load(path, "", K3sAdapterRegistration.Flavor);
            Assert.That(configuration.Host.TrimEnd('/'), Is.EqualTo(server.BaseAddress.ToString().TrimEnd('/')));
            var version = await new k8s.Kubernetes(configuration).Version.GetCodeAsync(timeout.Token);
            Assert.That(version.GitVersion, Does.Contain("+k3s"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
