using Docker.DotNet;
using Federation.Tests.Harness;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Tests.Kube;

/// <summary>
/// One Kubernetes (or K3s) cluster for tests: the mock API server, one node whose agent runs pods on the local dockerd
/// (pods on a Docker network of the cluster, whose gateway is the node's InternalIP), the controllers and kube-proxy.
/// Dispose removes every container, volume and network it made.
/// </summary>
public sealed class KubeTestCluster : IAsyncDisposable
{
    private readonly DockerClient docker;
    private readonly string directory;
    private KubeApiServer? apiServer;
    private KubeNodeAgent? agent;
    private KubeControllers? controllers;
    private KubeProxy? proxy;
    private Kubernetes? client;

    private KubeTestCluster(KubeTestClusterOptions options, DockerClient docker, string network, string directory)
    {
        Options = options;
        this.docker = docker;
        Network = network;
        this.directory = directory;
        Kubeconfig = Path.Combine(directory, "kubeconfig");
    }

    public KubeTestClusterOptions Options { get; }

    /// <summary>The Docker network of the cluster's pods (<c>{prefix}-kube-{name}</c>); also the label value on all it made.</summary>
    public string Network { get; }

    /// <summary>A kubeconfig file for the API server (for <c>kubectl</c> and adapters).</summary>
    public string Kubeconfig { get; }

    /// <summary>The node's InternalIP: the cluster network's gateway on this host.</summary>
    public string NodeIp { get; private set; } = "";

    public string NodeName => Options.NodeName;

    public KubeApiServer ApiServer => apiServer ?? throw new InvalidOperationException("the cluster has not started");

    public Kubernetes Client => client ?? throw new InvalidOperationException("the cluster has not started");

    public KubeNodeAgent Node => agent ?? throw new InvalidOperationException("the cluster has not started");

    public KubeProxy Proxy => proxy ?? throw new InvalidOperationException("the cluster has not started");

    public KubeControllers Controllers => controllers ?? throw new InvalidOperationException("the cluster has not started");

    /// <summary>Where this host reaches a Service port (<c>127.0.0.1:nodePort</c>).</summary>
    public string ServiceAddress(string ns, string name, int port) => Proxy.ServiceAddress(ns, name, port);

    /// <summary>Waits until kube-proxy serves the Service port, then returns <see cref="ServiceAddress"/>.</summary>
    public Task<string> WaitForServiceAsync(string ns, string name, int port, CancellationToken ct) => Proxy.WaitForServiceAsync(ns, name, port, ct);

    /// <summary>Runs a command in a pod's container (<c>kubectl exec</c>).</summary>
    public Task<(long? ExitCode, string Output)> ExecAsync(string ns, string pod, string container, IList<string> command, CancellationToken ct) =>
        Node.ExecAsync(ns, pod, container, command, TimeSpan.FromSeconds(30), ct);

    /// <exception cref="InvalidOperationException">Docker is not reachable, or the sandbox image is not given: one line saying so.</exception>
    public static async Task<KubeTestCluster> StartAsync(KubeTestClusterOptions options, CancellationToken ct)
    {
        var sandboxImage = options.SandboxImage ?? Environment.GetEnvironmentVariable("FEDERATION_TESTAPP_IMAGE");
        if (string.IsNullOrEmpty(sandboxImage))
            throw new InvalidOperationException("no sandbox image: set FEDERATION_TESTAPP_IMAGE (scripts/setup.sh prints it) or KubeTestClusterOptions.SandboxImage");
        var docker = await LocalDocker.ConnectAsync(ct);
        var network = $"{options.Prefix}-kube-{options.Name}";
        var directory = Directory.CreateTempSubdirectory($"{network}-").FullName;
        var cluster = new KubeTestCluster(options, docker, network, directory);
        try
        {
            await cluster.StartPartsAsync(sandboxImage, ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(string sandboxImage, CancellationToken ct)
    {
        var loggers = Options.LoggerFactory ?? NullLoggerFactory.Instance;
        // Leftovers of an earlier run of the same name (a killed test process) go first.
        await KubeNodeAgent.RemoveClusterAsync(docker, Network, ct);
        NodeIp = await LabeledNetwork.CreateAsync(docker, Network, NodeLabels.Cluster, ct);
        apiServer = await KubeApiServer.StartAsync(new KubeApiServerOptions
        {
            Flavor = Options.Flavor,
            NodeName = Options.NodeName,
            NodeInternalIP = NodeIp,
            GracefulPodDeletion = Options.GracefulPodDeletion,
        }, ct);
        apiServer.WriteKubeconfig(Kubeconfig);
        client = new Kubernetes(apiServer.ClientConfiguration());
        agent = new KubeNodeAgent(client, docker, AgentOptions(sandboxImage), loggers.CreateLogger<KubeNodeAgent>());
        await agent.StartAsync(ct);
        apiServer.PodLogs = agent.LogsAsync;
        controllers = new KubeControllers(client, loggers.CreateLogger<KubeControllers>());
        controllers.Start();
        proxy = new KubeProxy(client, NodeIp, loggers.CreateLogger<KubeProxy>());
        await proxy.StartAsync(ct);
    }

    private NodeAgentOptions AgentOptions(string sandboxImage) => new()
    {
        NodeName = Options.NodeName,
        NodeIp = NodeIp,
        Network = Network,
        ClusterId = Network,
        SandboxImage = sandboxImage,
        StateDirectory = Path.Combine(directory, "node"),
        NativePrivileged = Options.NativePrivileged,
    };

    public async ValueTask DisposeAsync()
    {
        if (proxy is not null) await proxy.DisposeAsync();
        if (controllers is not null) await controllers.DisposeAsync();
        if (agent is not null) await agent.DisposeAsync();
        await KubeNodeAgent.RemoveClusterAsync(docker, Network, CancellationToken.None);
        await LabeledNetwork.RemoveAsync(docker, Network, NodeLabels.Cluster, CancellationToken.None);
        if (apiServer is not null) await apiServer.DisposeAsync();
        client?.Dispose();
        docker.Dispose();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }
}
