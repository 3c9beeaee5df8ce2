using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// A runtime sits on its cluster's own Docker network, not the host's default bridge: no other container (on the
/// default bridge, or on the cluster's network itself) reaches its Engine or its app at the runtime's address; the only
/// way in from a container is the Engine published on the network's gateway, where other clusters' runtimes push
/// checkpoints (token-authenticated). Migrations across two such networks are <see cref="MigrationTests"/>.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class RuntimeNetworkTests
{
    private const string Name = "n-iso";

    [TearDown]
    public Task RemoveAsync() => LocalClusters.RemoveWorkloadEverywhereAsync(Name);

    [Test]
    public async Task Other_containers_reach_neither_the_Engine_nor_the_app_at_the_runtime_address_only_the_Engine_published_for_peers()
    {
        await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);
        var adapter = (DockerHostAdapter)LocalClusters.A.Services.GetRequiredService<Adapters.IOrchestratorAdapter>();
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
        // The app's host port (published on 127.0.0.1) is not published on the gateway as well.
        var appOnGateway = $"{gateway}:{workload.AppEndpoints[TestApp.Port].Split(':')[1]}";

        foreach (var network in new[] { "bridge", adapter.Host.NetworkName })
        {
            var reached = await ConnectProbe.FromNetworkAsync(network, [.. direct, peerEngine, appOnGateway]);
            Assert.Multiple(() =>
            {
                foreach (var endpoint in direct)
                    Assert.That(reached[endpoint], Is.False, $"a container on network '{network}' connects to the runtime at {endpoint}");
                Assert.That(reached[appOnGateway], Is.False, $"a container on network '{network}' connects to the app on the gateway ({appOnGateway})");
                Assert.That(reached[peerEngine], Is.True, $"a container on network '{network}' reaches the Engine published for peers ({peerEngine})");
            });
        }
        Assert.That(runtime.NetworkSettings.Networks.Keys, Is.EquivalentTo(new[] { adapter.Host.NetworkName }), "the runtime is on its cluster's network only");
    }
}
