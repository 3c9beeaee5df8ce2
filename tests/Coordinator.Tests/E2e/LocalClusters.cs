using Microsoft.Extensions.DependencyInjection;
using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// Two local "clusters" on the real dockerd, each a coordinator in this process with the Docker-host
/// adapter (a and b, peers of each other), plus a third (full) that negotiation refuses. Shared by
/// every end-to-end test of the namespace; runtimes and their clusters' networks are named fedtest-co-* (or
/// FEDTEST_CLUSTER_PREFIX-*, so that two runs on one Docker host leave each other alone) and removed afterwards. Each pair of peers shares a
/// secret made in the run's temporary directory; each coordinator keeps its operator token there.
/// </summary>
[SetUpFixture]
public sealed class LocalClusters
{
    public static string Prefix { get; } = Environment.GetEnvironmentVariable("FEDTEST_CLUSTER_PREFIX") is { Length: > 0 } prefix ? prefix : "fedtest-co";

    public static CoordinatorNode A { get; private set; } = null!;
    public static CoordinatorNode B { get; private set; } = null!;
    public static CoordinatorNode Full { get; private set; } = null!;
    private static string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        TestEnvironment.RequireDocker();
        await RemoveLeftoversAsync();
        directory = Directory.CreateTempSubdirectory(Prefix + "-").FullName;
        int portA = FreePort.Next(), portB = FreePort.Next(), portFull = FreePort.Next();
        // Cluster a keeps no spare runtime (tests of its network count on "no runtime, no network"); b keeps the default one.
        A = Node("a", portA, ("b", portB), ("full", portFull), extra: ["--warm-runtimes=0"]);
        B = Node("b", portB, ("a", portA));
        Full = Node("full", portFull, ("a", portA), extra: ["--max-workloads=0"]);
        await Task.WhenAll(A.StartAsync(), B.StartAsync(), Full.StartAsync());
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        foreach (var node in new[] { A, B, Full })
        {
            if (node is not null) await node.DisposeAsync();
        }
        await RemoveLeftoversAsync();
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Deploys the test app as a workload of cluster a and waits until it answers on its stable address.</summary>
    public static async Task<(Workload Workload, int StablePort, TestAppStatus First)> DeployTestAppAsync(string name, int mib, int dirtyKib)
    {
        var workload = await A.Client.DeployAsync(new DeployRequest
        {
            Ref = new V1.WorkloadRef { Namespace = "default", Name = name },
            Spec = TestApp.Spec(name, TestEnvironment.TestAppImage, mib, dirtyKib),
        });
        var port = int.Parse(workload.StableAddress.Split(':')[1]);
        var first = await TestApp.WaitAsync(port, "VERIFY");
        return (workload, port, first);
    }

    public static async Task<IReadOnlyList<Workload>> WorkloadsAsync(CoordinatorNode node) =>
        (await node.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads;

    /// <summary>Polls until the condition holds (bounded), for things that settle in the background.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return;
            }
            catch (RpcException) { }
            await Task.Delay(500);
        }
        Assert.Fail($"{what} did not happen within {timeout.TotalSeconds:F0} s");
    }

    public static async Task RemoveWorkloadEverywhereAsync(string name)
    {
        foreach (var node in new[] { A, B })
        {
            if (!node.Running) continue;
            var adapter = (DockerHostAdapter)node.Services.GetRequiredService<Adapters.IOrchestratorAdapter>();
            await adapter.DeleteWorkloadAsync(new Adapters.WorkloadId("default", name), CancellationToken.None);
        }
    }

    /// <summary>
    /// What a workload's runtime in a node's cluster left on the Docker host: its containers (runtime, Engine, Ambassador) and its
    /// state volume, and the cluster's runtime network if no container is left on it ("network NAME").
    /// </summary>
    public static async Task<IReadOnlyList<string>> RuntimeLeftoversAsync(CoordinatorNode node, string name)
    {
        var adapter = (DockerHostAdapter)node.Services.GetRequiredService<Adapters.IOrchestratorAdapter>();
        var runtime = adapter.RuntimeName(new Adapters.WorkloadId("default", name));
        using var docker = TestEnvironment.OuterDocker();
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true });
        var volumes = await docker.Volumes.ListAsync();
        var leftovers = containers.SelectMany(c => c.Names).Select(n => n.TrimStart('/')).Concat((volumes.Volumes ?? []).Select(v => v.Name))
            .Where(n => n.StartsWith(runtime, StringComparison.Ordinal)).ToList();
        var networks = await docker.Networks.ListNetworksAsync();
        foreach (var network in networks.Where(n => n.Name == adapter.Host.NetworkName))
        {
            var inspected = await docker.Networks.InspectNetworkAsync(network.ID);
            if (inspected.Containers is not { Count: > 0 }) leftovers.Add($"network {network.Name}");
        }
        return leftovers;
    }

    private CoordinatorNode Node(string cluster, int port, (string Name, int Port) peer, (string Name, int Port)? peer2 = null, string[]? extra = null)
    {
        var settings = new List<string>
        {
            $"--runtime-image={TestEnvironment.RuntimeImage}",
            $"--name-prefix={Prefix}",
            $"--Coordinator:Peers:{peer.Name}=http://127.0.0.1:{peer.Port}",
            $"--peer-secret={peer.Name}={CoordinatorNode.PeerSecretPath(directory, cluster, peer.Name)}",
            "--Coordinator:Migration:HeartbeatInterval=00:00:01",
            "--Coordinator:Migration:TargetHeartbeatTimeout=00:00:08",
            "--Coordinator:Migration:RecoveryRetryDelay=00:00:01",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Federation=Information",
        };
        if (peer2 is { } p2)
        {
            settings.Add($"--Coordinator:Peers:{p2.Name}=http://127.0.0.1:{p2.Port}");
            settings.Add($"--peer-secret={p2.Name}={CoordinatorNode.PeerSecretPath(directory, cluster, p2.Name)}");
        }
        settings.AddRange(extra ?? []);
        return new CoordinatorNode(cluster, port, directory, settings);
    }

    private static Task RemoveLeftoversAsync() => RemoveLeftoversAsync(Prefix);

    /// <summary>Removes every container, volume and network whose name starts with "<paramref name="prefix"/>-" (an earlier run's, or this run's).</summary>
    public static Task RemoveLeftoversAsync(string prefix) => Federation.Tests.Shared.DockerLeftovers.RemoveAsync(prefix, CancellationToken.None);
}
