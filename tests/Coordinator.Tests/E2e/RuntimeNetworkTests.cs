using Federation.Testing;
using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// A runtime sits on its cluster's own Docker network, not the host's default bridge: no other container (on the
/// default bridge, or on the cluster's network itself) reaches its Engine or its app at the runtime's address; the only
/// ways in from a container are what is published on the network's gateway: the Engine, where other clusters' runtimes
/// push checkpoints (token-authenticated), and the app ports, its app endpoints, where other clusters' relays forward
/// clients (<see cref="AppEndpointTests"/>). Migrations across two such networks are <see cref="MigrationTests"/>.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class RuntimeNetworkTests
{
    private const string Name = "n-iso";
    private static readonly string[] Names = [Name, "n-one", "n-two"];

    private static DockerHostAdapter AdapterA => (DockerHostAdapter)LocalClusters.A.Services.GetRequiredService<Adapters.IOrchestratorAdapter>();

    [TearDown]
    public async Task RemoveAsync()
    {
        foreach (var name in Names) await LocalClusters.RemoveWorkloadEverywhereAsync(name);
    }

    [Test]
    public async Task Other_containers_reach_neither_the_Engine_nor_the_app_at_the_runtime_address_only_what_is_published_on_the_gateway()
    {
        await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);
        var adapter = AdapterA;
        var id = new Adapters.WorkloadId("default", Name);
        var workload = await adapter.GetWorkloadAsync(id, CancellationToken.None);
        Assert.That(workload, Is.Not.Null);
        ContainerInspectResponse runtime;
        using (var docker = TestEnvironment.OuterDocker()) runtime = await docker.Containers.InspectContainerAsync(adapter.RuntimeName(id));

        var addresses = runtime.NetworkSettings.Networks.Values.Select(n => n.IPAddress).Where(ip => !string.IsNullOrEmpty(ip)).ToList();
        Assert.That(addresses, Is.Not.Empty, "the runtime has an address");
        var direct = addresses.SelectMany(ip => new[] { $"{ip}:{RuntimeLaunchOptions.EnginePort}", $"{ip}:{TestApp.Port}" }).ToList();
        var gateway = workload!.PeerEngineEndpoint.Host;
        var peerEngine = $"{gateway}:{workload.PeerEngineEndpoint.Port}";
        // The app endpoint: the app's port published on the gateway.
        var appOnGateway = workload.AppEndpoints[TestApp.Port];
        Assert.That(appOnGateway, Does.StartWith($"{gateway}:"), "the app endpoint is on the gateway");

        foreach (var network in new[] { "bridge", adapter.Host.NetworkName })
        {
            var reached = await ConnectProbe.FromNetworkAsync(network, [.. direct, peerEngine, appOnGateway]);
            Assert.Multiple(() =>
            {
                foreach (var endpoint in direct)
                    Assert.That(reached[endpoint], Is.False, $"a container on network '{network}' connects to the runtime at {endpoint}");
                Assert.That(reached[appOnGateway], Is.True, $"a container on network '{network}' reaches the app endpoint on the gateway ({appOnGateway})");
                Assert.That(reached[peerEngine], Is.True, $"a container on network '{network}' reaches the Engine published for peers ({peerEngine})");
            });
        }
        Assert.That(runtime.NetworkSettings.Networks.Keys, Is.EquivalentTo(new[] { adapter.Host.NetworkName }), "the runtime is on its cluster's network only");
    }

    [Test]
    public async Task A_network_left_by_an_earlier_run_is_taken_again_by_two_deploys_at_once_and_removed_with_the_last_runtime()
    {
        var network = AdapterA.Host.NetworkName;
        using var docker = TestEnvironment.OuterDocker();
        Assert.That(await NetworkIdAsync(docker, network), Is.Null, "cluster a runs no runtime when the test starts");
        var owner = LocalClusters.A.Services.GetRequiredService<DockerHostAdapterOptions>().Launch.OwnerLabel;
        var leftover = await docker.Networks.CreateNetworkAsync(new NetworksCreateParameters
        {
            Name = network,
            Driver = "bridge",
            Options = new Dictionary<string, string> { ["com.docker.network.bridge.enable_icc"] = "false" },
            Labels = new Dictionary<string, string> { [RuntimeNetwork.OwnerLabel] = owner },
        });
        try
        {
            var deployed = await Task.WhenAll(LocalClusters.DeployTestAppAsync("n-one", mib: 8, dirtyKib: 0), LocalClusters.DeployTestAppAsync("n-two", mib: 8, dirtyKib: 0));
            Assert.That(deployed.Select(d => d.First.Fields["verify"]), Is.All.EqualTo("ok"), "both deploys serve");
            foreach (var name in new[] { "n-one", "n-two" })
            {
                var runtime = await docker.Containers.InspectContainerAsync(AdapterA.RuntimeName(new Adapters.WorkloadId("default", name)));
                Assert.That(runtime.NetworkSettings.Networks.Values.Select(n => n.NetworkID), Is.EqualTo(new[] { leftover.ID }), $"{name} joined the network that was there");
            }
            await AdapterA.DeleteWorkloadAsync(new Adapters.WorkloadId("default", "n-one"), CancellationToken.None);
            Assert.That(await NetworkIdAsync(docker, network), Is.EqualTo(leftover.ID), "the network stays while a runtime is on it");
            await AdapterA.DeleteWorkloadAsync(new Adapters.WorkloadId("default", "n-two"), CancellationToken.None);
            Assert.That(await NetworkIdAsync(docker, network), Is.Null, "the network went with the cluster's last runtime");
        }
        finally
        {
            await RemoveAsync();
            if (await NetworkIdAsync(docker, network) is { } id) await docker.Networks.DeleteNetworkAsync(id);
        }
    }

    [Test]
    public async Task A_network_of_that_name_that_is_not_the_clusters_is_refused_and_left_alone()
    {
        var network = AdapterA.Host.NetworkName;
        using var docker = TestEnvironment.OuterDocker();
        Assert.That(await NetworkIdAsync(docker, network), Is.Null, "cluster a runs no runtime when the test starts");
        var foreign = await docker.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = network, Driver = "bridge" });
        try
        {
            GrpcAssert.Status(() => LocalClusters.A.Client.DeployAsync(new V1.DeployRequest
            {
                Ref = new V1.WorkloadRef { Namespace = "default", Name = Name },
                Spec = TestApp.Spec(Name, TestEnvironment.TestAppImage, 8, 0),
            }).ResponseAsync, Grpc.Core.StatusCode.FailedPrecondition, "is not this cluster's");
            Assert.That(await NetworkIdAsync(docker, network), Is.EqualTo(foreign.ID), "the other network is left alone");
            Assert.That((await LocalClusters.RuntimeLeftoversAsync(LocalClusters.A, Name)).Where(l => !l.StartsWith("network ", StringComparison.Ordinal)), Is.Empty,
                "no runtime container or volume is left");
        }
        finally
        {
            await docker.Networks.DeleteNetworkAsync(foreign.ID);
        }
    }

    private static async Task<string?> NetworkIdAsync(Docker.DotNet.DockerClient docker, string name) =>
        (await docker.Networks.ListNetworksAsync()).FirstOrDefault(n => n.Name == name)?.ID;
}
