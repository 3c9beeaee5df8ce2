using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// A workload's app endpoints are where other clusters reach its app: after a move, the home cluster's relay forwards
/// there. On a Docker host they are the runtimes' network gateway address, which containers of every Docker network on
/// the host reach (as a Kubernetes relay pod on its own pod network must, when the workload moved from Kubernetes to a
/// Docker host). The client here is a container on a network the test makes itself, on neither cluster's network.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class AppEndpointTests
{
    private const string Name = "e-app";
    private string network = "";

    [SetUp]
    public async Task CreateClientNetworkAsync()
    {
        network = $"{LocalClusters.Prefix}-clients";
        using var docker = TestEnvironment.OuterDocker();
        await docker.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = network, Driver = "bridge", CheckDuplicate = true });
    }

    [TearDown]
    public async Task RemoveAsync()
    {
        await LocalClusters.RemoveWorkloadEverywhereAsync(Name);
        using var docker = TestEnvironment.OuterDocker();
        foreach (var n in (await docker.Networks.ListNetworksAsync()).Where(n => n.Name == network)) await docker.Networks.DeleteNetworkAsync(n.ID);
    }

    [Test]
    public async Task A_container_on_another_network_reaches_the_app_at_its_app_endpoints_before_and_after_a_move()
    {
        var (_, stablePort, first) = await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);
        var inA = await AppEndpointAsync(LocalClusters.A);
        var gatewayA = await GatewayAsync(LocalClusters.A);
        var fromA = await ConnectProbe.AskFromNetworkAsync(network, [inA], "GET");
        Assert.Multiple(() =>
        {
            Assert.That(inA, Does.StartWith($"{gatewayA}:"), "cluster a reports its app on its runtimes' network gateway");
            Assert.That(Seed(fromA[inA]), Is.EqualTo(first.Seed), $"a container on network {network} is answered by the app at {inA}");
        });

        var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest { Workload = $"default/{Name}", Destination = "b" });
        var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
        Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);

        var inB = await AppEndpointAsync(LocalClusters.B);
        var gatewayB = await GatewayAsync(LocalClusters.B);
        var fromB = await ConnectProbe.AskFromNetworkAsync(network, [inB, inA], "GET");
        var throughHome = await TestApp.AskAsync(stablePort);
        Assert.Multiple(() =>
        {
            Assert.That(inB, Does.StartWith($"{gatewayB}:"), "cluster b reports its app on its runtimes' network gateway");
            Assert.That(Seed(fromB[inB]), Is.EqualTo(first.Seed), $"a container on network {network} is answered by the moved app at {inB}");
            Assert.That(fromB[inA], Is.Empty, $"nothing answers at the source's endpoint {inA} any more");
            Assert.That(throughHome.Seed, Is.EqualTo(first.Seed), "the home's stable address forwards to the app endpoints it was switched to");
        });
    }

    /// <summary>The test app's endpoint as the cluster reports it (the coordinator's API, where peers read it too).</summary>
    private static async Task<string> AppEndpointAsync(Support.CoordinatorNode node)
    {
        var workload = (await LocalClusters.WorkloadsAsync(node)).Single(w => w.Ref.Name == Name);
        Assert.That(workload.AppEndpoints.Keys, Is.EquivalentTo(new[] { (uint)TestApp.Port }), "one app endpoint per app port");
        return workload.AppEndpoints[TestApp.Port];
    }

    private static async Task<string> GatewayAsync(Support.CoordinatorNode node)
    {
        var adapter = (DockerHostAdapter)node.Services.GetRequiredService<Adapters.IOrchestratorAdapter>();
        using var docker = TestEnvironment.OuterDocker();
        var runtimes = (await docker.Networks.ListNetworksAsync()).Single(n => n.Name == adapter.Host.NetworkName);
        return (await docker.Networks.InspectNetworkAsync(runtimes.ID)).IPAM.Config.Select(c => c.Gateway).First(g => !string.IsNullOrEmpty(g));
    }

    /// <summary>The seed of a test app status line, or the whole answer when it is none (so a failure shows what came back).</summary>
    private static string Seed(string answer) =>
        answer.Length > 0 && answer.StartsWith("counter=", StringComparison.Ordinal) ? TestAppStatus.Parse(answer).Seed : $"no status line: '{answer}'";
}
