using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// The peer RPCs a workload's home cluster serves for the cluster it moves away from (hold, switch,
/// release of the stable address), over fake adapters: input checks, order and repeats, no Docker. The home knows
/// the workloads to run in edge (as after a move there), and edge calls with the secret the two share.
/// </summary>
[TestFixture]
public sealed class HomeTrafficTests
{
    private static readonly WorkloadId Shop = new("default", "shop");
    private readonly FakeAdapter adapterHome = new();
    private readonly FakeAdapter adapterEdge = new();
    private CoordinatorNode home = null!;
    private CoordinatorNode edge = null!;
    private CoordinatorPeer.CoordinatorPeerClient peer = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-home-api-").FullName;
        int portHome = FreePort.Next(), portEdge = FreePort.Next();
        home = new CoordinatorNode("home", portHome, directory,
            ["--Coordinator:Adapter:Kind=fake", $"--Coordinator:Peers:edge=http://127.0.0.1:{portEdge}", "--Logging:LogLevel:Default=Warning"], adapterHome.Module);
        edge = new CoordinatorNode("edge", portEdge, directory,
            ["--Coordinator:Adapter:Kind=fake", $"--Coordinator:Peers:home=http://127.0.0.1:{portHome}", "--Logging:LogLevel:Default=Warning"], adapterEdge.Module);
        await home.StartAsync();
        await edge.StartAsync();
        adapterHome.StableAddresses[Shop] = "127.0.0.1:40001";
        peer = home.PeerClientAs("edge");
    }

    /// <summary>Every test starts with the workloads running in edge, whatever an earlier test switched.</summary>
    [SetUp]
    public void RunInEdge()
    {
        var journal = home.Services.GetRequiredService<MigrationJournal>();
        foreach (var name in new[] { "shop", "ghost", "cart" })
            journal.PutLocation(new WorkloadLocation(new WorkloadId("default", name), "edge", MovedBy: "", MovedFrom: ""));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await home.DisposeAsync();
        await edge.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public void Hold_of_a_workload_without_a_stable_address_here_is_NotFound() =>
        GrpcAssert.Status(() => peer.HoldTrafficAsync(Hold("m-ghost1", "ghost")).ResponseAsync, StatusCode.NotFound,
            "cluster 'home' holds no stable address for workload default/ghost");

    [Test]
    public void Switch_without_a_hold_of_the_migration_is_NotFound() =>
        GrpcAssert.Status(() => peer.SwitchTrafficAsync(Switch("m-unknown1", ("8080", "127.0.0.1:5000"))).ResponseAsync, StatusCode.NotFound,
            "migration m-unknown1 holds no traffic of default/shop in cluster 'home'");

    [Test]
    public void Release_without_a_hold_of_the_migration_is_NotFound() =>
        GrpcAssert.Status(() => peer.ReleaseTrafficAsync(Release("m-unknown2")).ResponseAsync, StatusCode.NotFound,
            "migration m-unknown2 holds no traffic of default/shop in cluster 'home'");

    [Test]
    public void Switch_of_a_workload_without_a_stable_address_here_is_NotFound() =>
        GrpcAssert.Status(() => peer.SwitchTrafficAsync(new SwitchTrafficRequest
        {
            MigrationId = "m-ghost2", SourceCluster = "edge", DestinationCluster = "far", Workload = Ref("ghost"), Backends = { [8080] = "127.0.0.1:5000" },
        }).ResponseAsync, StatusCode.NotFound, "holds no stable address for workload default/ghost");

    [TestCase("", "edge", "shop", "migration id is empty or malformed")]
    [TestCase("../x", "edge", "shop", "migration id is empty or malformed")]
    [TestCase("m-bad1", "", "shop", "source cluster is empty")]
    [TestCase("m-bad1", "edge", "Not_A_Label", "not a DNS label")]
    public void Hold_rejects_bad_input(string migrationId, string source, string workload, string mentions) =>
        GrpcAssert.Status(() => peer.HoldTrafficAsync(new HoldTrafficRequest { MigrationId = migrationId, SourceCluster = source, Workload = Ref(workload) }).ResponseAsync,
            StatusCode.InvalidArgument, mentions);

    [Test]
    public void Hold_refuses_a_source_cluster_that_is_not_a_name_and_shows_its_control_characters_escaped() =>
        GrpcAssert.Status(() => peer.HoldTrafficAsync(new HoldTrafficRequest { MigrationId = "m-bad5", SourceCluster = "edge\u001b[31m", Workload = Ref("shop") }).ResponseAsync,
            StatusCode.InvalidArgument, "source cluster 'edge\\x1b[31m' is not a DNS label");

    [Test]
    public void Switch_refuses_a_backend_host_that_is_not_a_host_name() =>
        GrpcAssert.Status(() => peer.SwitchTrafficAsync(Switch("m-bad6", ("8080", "evil\u001b[2J host:5000"))).ResponseAsync,
            StatusCode.InvalidArgument, "backend 'evil\\x1b[2J host:5000' is not HOST:PORT");

    [Test]
    public void Hold_without_a_workload_is_InvalidArgument() =>
        GrpcAssert.Status(() => peer.HoldTrafficAsync(new HoldTrafficRequest { MigrationId = "m-bad2", SourceCluster = "edge" }).ResponseAsync,
            StatusCode.InvalidArgument, "workload is missing");

    [TestCase("nohost", "is not HOST:PORT")]
    [TestCase("127.0.0.1:0", "is not HOST:PORT")]
    [TestCase("127.0.0.1:http", "is not HOST:PORT")]
    public void Switch_rejects_bad_backends(string backend, string mentions) =>
        GrpcAssert.Status(() => peer.SwitchTrafficAsync(Switch("m-bad3", ("8080", backend))).ResponseAsync, StatusCode.InvalidArgument, mentions);

    [Test]
    public void Switch_without_a_destination_cluster_is_InvalidArgument()
    {
        var request = Switch("m-bad7", ("8080", "127.0.0.1:5000"));
        request.DestinationCluster = "";
        GrpcAssert.Status(() => peer.SwitchTrafficAsync(request).ResponseAsync, StatusCode.InvalidArgument, "destination cluster is empty");
    }

    [Test]
    public void Switch_without_backends_is_InvalidArgument() =>
        GrpcAssert.Status(() => peer.SwitchTrafficAsync(Switch("m-bad4")).ResponseAsync, StatusCode.InvalidArgument, "no backends to switch to");

    [Test]
    public async Task Hold_then_switch_reach_the_home_adapter_and_are_safe_to_repeat()
    {
        var held = await peer.HoldTrafficAsync(Hold("m-ok1"));
        await peer.HoldTrafficAsync(Hold("m-ok1"));
        var switched = await peer.SwitchTrafficAsync(Switch("m-ok1", ("8080", "127.0.0.1:5001")));
        await peer.SwitchTrafficAsync(Switch("m-ok1", ("8080", "127.0.0.1:5001")));
        Assert.Multiple(() =>
        {
            Assert.That(held.StableAddress, Is.EqualTo("127.0.0.1:40001"));
            Assert.That(switched.StableAddress, Is.EqualTo("127.0.0.1:40001"));
            Assert.That(Calls(), Does.Contain("hold default/shop").And.Contain("switch default/shop 8080=127.0.0.1:5001"));
        });
        GrpcAssert.Status(() => peer.ReleaseTrafficAsync(Release("m-ok1")).ResponseAsync, StatusCode.FailedPrecondition,
            "migration m-ok1 has switched the traffic of default/shop here: there is no hold to release");
        GrpcAssert.Status(() => peer.HoldTrafficAsync(Hold("m-ok1")).ResponseAsync, StatusCode.FailedPrecondition, "has already switched or released");
    }

    [Test]
    public async Task A_released_hold_cannot_be_switched()
    {
        await peer.HoldTrafficAsync(Hold("m-ok2"));
        await peer.ReleaseTrafficAsync(Release("m-ok2"));
        await peer.ReleaseTrafficAsync(Release("m-ok2"));
        Assert.That(Calls(), Does.Contain("release default/shop"));
        GrpcAssert.Status(() => peer.SwitchTrafficAsync(Switch("m-ok2", ("8080", "127.0.0.1:5002"))).ResponseAsync, StatusCode.FailedPrecondition,
            "migration m-ok2 has released its hold of default/shop here: it was rolled back");
    }

    [Test]
    public async Task A_migration_holds_only_the_workload_it_held_first()
    {
        adapterHome.StableAddresses[new WorkloadId("default", "cart")] = "127.0.0.1:40002";
        await peer.HoldTrafficAsync(Hold("m-ok3"));
        GrpcAssert.Status(() => peer.HoldTrafficAsync(Hold("m-ok3", "cart")).ResponseAsync, StatusCode.FailedPrecondition, "holds another workload's traffic here");
        GrpcAssert.Status(() => peer.SwitchTrafficAsync(new SwitchTrafficRequest
        {
            MigrationId = "m-ok3", SourceCluster = "edge", DestinationCluster = "far", Workload = Ref("cart"), Backends = { [8080] = "127.0.0.1:5003" },
        }).ResponseAsync, StatusCode.NotFound, "migration m-ok3 holds no traffic of default/cart");
    }

    [Test]
    public void Migrate_refuses_a_workload_whose_home_is_not_a_peer()
    {
        adapterEdge.Add(new WorkloadId("default", "stray"), new Uri("http://127.0.0.1:1"), stableAddress: "127.0.0.1:40003", home: "mars");
        GrpcAssert.Status(() => edge.Client.MigrateAsync(new MigrateRequest { Workload = "default/stray", Destination = "home" }).ResponseAsync,
            StatusCode.FailedPrecondition, "the stable address of default/stray is held by cluster 'mars', which is not a peer of 'edge'");
    }

    [Test]
    public async Task Workloads_show_the_stable_address_and_home_of_a_workload_that_came_from_elsewhere()
    {
        adapterEdge.Add(new WorkloadId("default", "visitor"), new Uri("http://127.0.0.1:1"), stableAddress: "127.0.0.1:40004", home: "home");
        var listed = (await edge.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Single(w => w.Ref.Name == "visitor");
        Assert.Multiple(() =>
        {
            Assert.That(listed.StableAddress, Is.EqualTo("127.0.0.1:40004"));
            Assert.That(listed.HomeCluster, Is.EqualTo("home"));
        });
    }

    private List<string> Calls()
    {
        lock (adapterHome.TrafficCalls) return [.. adapterHome.TrafficCalls];
    }

    private static V1.WorkloadRef Ref(string name) => new() { Namespace = "default", Name = name };

    private static HoldTrafficRequest Hold(string migrationId, string name = "shop") =>
        new() { MigrationId = migrationId, SourceCluster = "edge", Workload = Ref(name) };

    private static ReleaseTrafficRequest Release(string migrationId) =>
        new() { MigrationId = migrationId, SourceCluster = "edge", Workload = Ref("shop") };

    private static SwitchTrafficRequest Switch(string migrationId, params (string Port, string Backend)[] backends)
    {
        var request = new SwitchTrafficRequest { MigrationId = migrationId, SourceCluster = "edge", DestinationCluster = "far", Workload = Ref("shop") };
        foreach (var (port, backend) in backends) request.Backends[uint.Parse(port, System.Globalization.CultureInfo.InvariantCulture)] = backend;
        return request;
    }
}
