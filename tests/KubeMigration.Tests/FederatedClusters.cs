using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Adapters.K3s;
using Federation.Adapters.Kubernetes;
using Federation.Adapters.Mesos;
using Federation.Tests.Kube;
using Federation.Tests.Marathon;
using Federation.Tests.Shared;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federation.KubeMigration.Tests;

/// <summary>
/// Three clusters federated by three coordinators in this process, each of them peers of the others:
/// <list type="bullet">
/// <item><c>edge</c>: a K3s test cluster (mock API server with K3s's shapes, one node running pods on the local dockerd) and a coordinator with the K3s adapter;</item>
/// <item><c>cloud</c>: a Kubernetes test cluster and a coordinator with the Kubernetes adapter;</item>
/// <item><c>dock</c>: a plain Docker host and a coordinator with the Docker-host adapter;</item>
/// <item><c>mesos</c>: a Marathon test cluster (mock Marathon, one Mesos agent running tasks on the local dockerd, marathon-lb) and a coordinator with the Marathon adapter.</item>
/// </list>
/// Runtime pods get their modules from this build (hostPath) and their images from the registry that scripts/setup.sh runs.
/// Everything made in Docker is named {prefix}-* (FEDTEST_KUBEMIG_PREFIX, else fedkmig) and removed afterwards.
/// </summary>
[SetUpFixture]
public sealed class FederatedClusters
{
    public static string Prefix { get; } = Environment.GetEnvironmentVariable("FEDTEST_KUBEMIG_PREFIX") is { Length: > 0 } prefix ? prefix : "fedkmig";

    public static KubeTestCluster EdgeCluster { get; private set; } = null!;
    public static KubeTestCluster CloudCluster { get; private set; } = null!;
    public static CoordinatorNode Edge { get; private set; } = null!;
    public static CoordinatorNode Cloud { get; private set; } = null!;
    public static CoordinatorNode Dock { get; private set; } = null!;
    public static MarathonTestCluster MesosCluster { get; private set; } = null!;
    public static CoordinatorNode Mesos { get; private set; } = null!;

    /// <summary>The Marathon group the mesos coordinator's apps live in.</summary>
    public static string MarathonGroup => $"/{Prefix}";
    private static string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        TestEnvironment.RequireRegistry();
        directory = Directory.CreateTempSubdirectory(Prefix + "-").FullName;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var marathon = MarathonTestCluster.StartAsync(new MarathonTestClusterOptions { Prefix = Prefix, Name = "mesos" }, timeout.Token);
        var clusters = await Task.WhenAll(
            StartClusterAsync("edge", Federation.Tests.Kube.KubeFlavor.K3s, timeout.Token),
            StartClusterAsync("cloud", Federation.Tests.Kube.KubeFlavor.Kubernetes, timeout.Token));
        (EdgeCluster, CloudCluster) = (clusters[0], clusters[1]);
        MesosCluster = await marathon;
        int edgePort = FreePort.Next(), cloudPort = FreePort.Next(), dockPort = FreePort.Next(), mesosPort = FreePort.Next(), webhookPort = FreePort.Next();
        var peers = new Dictionary<string, int> { ["edge"] = edgePort, ["cloud"] = cloudPort, ["dock"] = dockPort, ["mesos"] = mesosPort };
        // The edge coordinator serves the mutating webhook, so that users' annotated pods in K3s are made migratable.
        var pki = new Federation.Testing.TestCertificates(directory);
        var authority = pki.CreateAuthority($"{Prefix}-webhook-ca");
        var serving = pki.CreateServer("127.0.0.1", authority);
        Edge = Node("edge", peers, K3sAdapterRegistration.Module,
        [
            .. KubeSettings(EdgeCluster),
            $"--webhook-port={webhookPort}", "--Coordinator:Adapter:WebhookAddress=127.0.0.1",
            $"--webhook-cert={serving.Certificate}", $"--webhook-key={serving.Key}",
        ]);
        Cloud = Node("cloud", peers, KubernetesAdapterRegistration.Module, KubeSettings(CloudCluster));
        Dock = Node("dock", peers, DockerAdapterRegistration.Module,
        [
            $"--name-prefix={Prefix}",
            "--image-source=registry",
            $"--registry={TestEnvironment.Registry}",
            $"--registry-ca={TestEnvironment.RegistryCaFile}",
        ]);
        Mesos = Node("mesos", peers, MarathonAdapterRegistration.Module,
        [
            $"--marathon-url={MesosCluster.BaseAddress}",
            $"--marathon-group={MarathonGroup}",
            // marathon-lb binds the service ports on the agent; the runtimes get this build's modules from the agent's disk.
            $"--marathon-lb-host={MesosCluster.AgentAddress}",
            $"--module-host-path={AppContext.BaseDirectory}",
            "--Coordinator:Adapter:RuntimeCpus=0.5",
            "--Coordinator:Adapter:RuntimeMemoryMiB=512",
            // A target that never becomes healthy is rolled back after this (a test waits for it); a healthy one takes about 10 s.
            "--deployment-timeout=00:00:45",
            "--image-source=registry",
            $"--registry={TestEnvironment.Registry}",
            $"--registry-ca={TestEnvironment.RegistryCaFile}",
        ]);
        await Task.WhenAll(Edge.StartAsync(), Cloud.StartAsync(), Dock.StartAsync(), Mesos.StartAsync());
        await Federation.Tests.Kube.Admission.PodMutatingWebhook.RegisterAsync(EdgeCluster.Client, $"https://127.0.0.1:{webhookPort}/mutate-pods", File.ReadAllText(authority.Certificate), timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        foreach (var node in new[] { Edge, Cloud, Dock, Mesos })
        {
            if (node is not null) await node.DisposeAsync();
        }
        if (MesosCluster is not null) await MesosCluster.DisposeAsync();
        foreach (var cluster in new[] { EdgeCluster, CloudCluster })
        {
            if (cluster is not null) await cluster.DisposeAsync();
        }
        await DockerLeftovers.RemoveAsync(Prefix, CancellationToken.None);
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>What each coordinator logged (by cluster), shown when a test fails.</summary>
    public static Dictionary<string, LogCapture> Logs { get; } = [];

    /// <summary>Writes what the coordinators logged since the last call to the test's output, and forgets it.</summary>
    public static void WriteLogs()
    {
        foreach (var (cluster, capture) in Logs)
        {
            while (capture.Messages.TryDequeue(out var message))
            {
                if (message.Level >= LogLevel.Information) TestContext.Out.WriteLine($"[{cluster}] {message.Level}: {message.Message}");
            }
        }
    }

    /// <summary>The app image as clusters get it: from the registry.</summary>
    public static string AppImage => TestEnvironment.RegistryTestAppImage;

    public static KubeTestCluster ClusterOf(CoordinatorNode node) =>
        node == Edge ? EdgeCluster : node == Cloud ? CloudCluster : throw new ArgumentException($"{node.Cluster} is not a Kubernetes cluster");

    private static async Task<KubeTestCluster> StartClusterAsync(string name, Federation.Tests.Kube.KubeFlavor flavor, CancellationToken ct) =>
        await KubeTestCluster.StartAsync(new KubeTestClusterOptions
        {
            Name = name,
            Flavor = flavor,
            Prefix = Prefix,
            NodeName = $"{name}-node-1",
            SandboxImage = TestEnvironment.TestAppImage,
            // FEDTEST_KUBE_LOG=1 shows what the nodes, controllers and proxies do.
            LoggerFactory = Environment.GetEnvironmentVariable("FEDTEST_KUBE_LOG") == "1"
                ? LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information))
                : null,
        }, ct);

    private static string[] KubeSettings(KubeTestCluster cluster) =>
    [
        $"--kubeconfig={cluster.Kubeconfig}",
        "--module-source=hostPath",
        "--peer-access=NodePort",
        "--image-source=registry",
        $"--registry={TestEnvironment.Registry}",
        $"--registry-ca={TestEnvironment.RegistryCaFile}",
    ];

    private CoordinatorNode Node(string cluster, Dictionary<string, int> peers, AdapterModule adapter, string[] extra)
    {
        var settings = new List<string>
        {
            $"--runtime-image={TestEnvironment.RuntimeImage}",
            "--Coordinator:Migration:HeartbeatInterval=00:00:01",
            "--Coordinator:Migration:TargetHeartbeatTimeout=00:00:15",
            "--Coordinator:Migration:RecoveryRetryDelay=00:00:01",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Federation=Information",
        };
        foreach (var (peer, port) in peers.Where(p => p.Key != cluster))
        {
            settings.Add($"--Coordinator:Peers:{peer}=http://127.0.0.1:{port}");
            settings.Add($"--peer-secret={peer}={CoordinatorNode.PeerSecretPath(directory, cluster, peer)}");
        }
        settings.AddRange(extra);
        var capture = new LogCapture();
        Logs[cluster] = capture;
        return new CoordinatorNode(cluster, peers[cluster], directory, settings, adapter)
        {
            BeforeStart = services => services.GetRequiredService<ILoggerFactory>().AddProvider(capture),
        };
    }
}
