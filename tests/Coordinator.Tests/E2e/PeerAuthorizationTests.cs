using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// The reported attacks on a real stable address (issue 8, defect 2): a local process, and a configured peer that is no
/// party to the workload (full), try to hold the address of a workload of a with an invented migration id and to switch
/// it to a listener of their own. Both are refused, and clients keep reaching the app without waiting.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class PeerAuthorizationTests
{
    private const string Name = "p-guard";

    [TearDown]
    public Task RemoveAsync() => LocalClusters.RemoveWorkloadEverywhereAsync(Name);

    [Test]
    public async Task Hold_and_switch_by_outsiders_are_refused_and_the_stable_address_keeps_serving_the_app()
    {
        var (_, stablePort, first) = await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var trap = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var workload = new V1.WorkloadRef { Namespace = "default", Name = Name };
        var full = LocalClusters.A.PeerClientAs("full");
        var anonymous = LocalClusters.A.PeerClient();

        GrpcAssert.Status(() => anonymous.HoldTrafficAsync(new HoldTrafficRequest { MigrationId = "mevil000001", SourceCluster = "b", Workload = workload }).ResponseAsync,
            StatusCode.Unauthenticated, "no peer credential");
        GrpcAssert.Status(() => full.HoldTrafficAsync(new HoldTrafficRequest { MigrationId = "mevil000001", SourceCluster = "full", Workload = workload }).ResponseAsync,
            StatusCode.PermissionDenied, $"peer 'full' may not move the traffic of default/{Name}: it runs in cluster 'a'");
        GrpcAssert.Status(() => full.SwitchTrafficAsync(new SwitchTrafficRequest
        {
            MigrationId = "mevil000001", SourceCluster = "full", DestinationCluster = "full", Workload = workload, Backends = { [7000] = trap },
        }).ResponseAsync, StatusCode.PermissionDenied, "it runs in cluster 'a'");
        GrpcAssert.Status(() => anonymous.SwitchTrafficAsync(new SwitchTrafficRequest
        {
            MigrationId = "mevil000001", SourceCluster = "a", DestinationCluster = "b", Workload = workload, Backends = { [7000] = trap },
        }).ResponseAsync, StatusCode.Unauthenticated, "no peer credential");

        var clock = Stopwatch.StartNew();
        var after = await TestApp.AskAsync(stablePort, "GET");
        Assert.Multiple(() =>
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "a new connection did not wait for a hold");
            Assert.That(after.Seed, Is.EqualTo(first.Seed), "the stable address still leads to the app");
            Assert.That(listener.Pending(), Is.False, "nothing was sent to the outsider's listener");
        });
    }
}
