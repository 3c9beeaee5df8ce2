using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>A test cluster per fixture and a namespace per test; Docker missing fails the tests with the reason.</summary>
public abstract class ClusterFixture(string name, KubeFlavor flavor = KubeFlavor.Kubernetes)
{
    protected KubeTestCluster Cluster { get; private set; } = null!;
    protected IKubernetes Client => Cluster.Client;
    protected string Ns { get; private set; } = "";
    protected static string TestAppImage => Federation.RuntimeModule.Tests.TestEnvironment.TestAppImage;

    [OneTimeSetUp]
    public async Task StartClusterAsync()
    {
        Federation.RuntimeModule.Tests.TestEnvironment.RequireDocker();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Cluster = await KubeTestCluster.StartAsync(new KubeTestClusterOptions
        {
            Name = name,
            Flavor = flavor,
            Prefix = Environment.GetEnvironmentVariable("FEDTEST_KUBE_PREFIX") is { Length: > 0 } p ? p : "fedkube",
            SandboxImage = TestAppImage,
            // FEDTEST_KUBE_LOG=1 shows what the node, controllers and proxy do.
            LoggerFactory = HarnessLogging.FromEnvironment("FEDTEST_KUBE_LOG"),
        }, timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopClusterAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }

    [SetUp]
    public async Task CreateNamespaceAsync()
    {
        Ns = $"t{Guid.NewGuid():N}"[..12];
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
    }

    protected async Task<IList<V1Pod>> PodsAsync(string? labelSelector = null) =>
        (await Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: labelSelector)).Items;

    protected static bool IsReady(V1Pod pod) => pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>Waits until the pod runs and is ready, and returns it.</summary>
    protected Task<V1Pod> RunningAsync(string pod, int seconds = 60) => Eventually.WaitAsync(async () =>
    {
        var p = await Client.CoreV1.ReadNamespacedPodAsync(pod, Ns);
        return p.Status?.Phase == "Running" && IsReady(p) && !string.IsNullOrEmpty(p.Status.PodIP) ? p : null;
    }, $"pod {Ns}/{pod} running and ready", seconds);

    /// <summary>Docker containers the node made for a pod (by its uid).</summary>
    protected async Task<int> ContainersOfAsync(string uid)
    {
        using var docker = Federation.RuntimeModule.Tests.TestEnvironment.OuterDocker();
        var found = await docker.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{NodeLabels.PodUid}={uid}"] = true } },
        });
        return found.Count;
    }

    protected static V1Container TestApp(string name = "app") => new()
    {
        Name = name,
        Image = TestAppImage,
        Env = [new V1EnvVar { Name = "MIB", Value = "4" }, new V1EnvVar { Name = "PORT", Value = "7000" }],
        Ports = [new V1ContainerPort { ContainerPort = 7000, Name = "app" }],
        ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 7000 }, PeriodSeconds = 1 },
    };
}
