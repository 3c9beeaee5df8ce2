using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// DeleteWorkload over fake adapters: input checks, refusals while a migration holds the workload, and a workload that came
/// from elsewhere having its stable address closed by its home (CloseStableAddress) before anything is removed. No Docker.
/// </summary>
[TestFixture]
public sealed class WorkloadDeletionTests
{
    private static readonly Uri Engine = new("http://127.0.0.1:1");
    private readonly FakeAdapter adapterHome = new();
    private readonly FakeAdapter adapterEdge = new();
    private CoordinatorNode home = null!;
    private CoordinatorNode edge = null!;
    private GrpcChannel channel = null!;
    private CoordinatorPeer.CoordinatorPeerClient homePeer = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-delete-api-").FullName;
        // "gone" is a peer of edge that nobody serves: nothing listens on its port.
        int portHome = FreePort.Next(), portEdge = FreePort.Next(), portGone = FreePort.Next();
        home = new CoordinatorNode("home", portHome, directory,
            ["--Coordinator:Adapter:Kind=fake", $"--Coordinator:Peers:edge=http://127.0.0.1:{portEdge}", "--Logging:LogLevel:Default=Warning"], adapterHome.Module);
        edge = new CoordinatorNode("edge", portEdge, directory,
            ["--Coordinator:Adapter:Kind=fake", $"--Coordinator:Peers:home=http://127.0.0.1:{portHome}", $"--Coordinator:Peers:gone=http://127.0.0.1:{portGone}",
             "--Coordinator:Migration:PeerCallTimeout=00:00:05", "--Logging:LogLevel:Default=Warning"], adapterEdge.Module);
        await home.StartAsync();
        await edge.StartAsync();
        channel = GrpcChannel.ForAddress(home.Address);
        homePeer = home.PeerClientAs("edge");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        channel.Dispose();
        await home.DisposeAsync();
        await edge.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public void An_unknown_workload_is_NotFound() =>
        GrpcAssert.Status(() => edge.Client.DeleteWorkloadAsync(Delete("nobody")).ResponseAsync, StatusCode.NotFound, "workload default/nobody is not in cluster 'edge'");

    [TestCase("Not_A_Label", "not a DNS label")]
    [TestCase("", "workload name")]
    public void A_bad_name_is_InvalidArgument(string name, string mentions) =>
        GrpcAssert.Status(() => edge.Client.DeleteWorkloadAsync(Delete(name)).ResponseAsync, StatusCode.InvalidArgument, mentions);

    [Test]
    public void A_request_without_a_workload_is_InvalidArgument() =>
        GrpcAssert.Status(() => edge.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest()).ResponseAsync, StatusCode.InvalidArgument, "delete needs a workload");

    [Test]
    public async Task A_workload_a_migration_holds_is_refused_naming_the_migration_and_deleted_once_it_ended()
    {
        var id = new WorkloadId("default", "busy");
        adapterEdge.Add(id, Engine);
        var journal = edge.Services.GetRequiredService<MigrationJournal>();
        var migration = new Migration { Id = "m-holds-busy", Workload = Ref("busy"), SourceCluster = "edge", DestinationCluster = "home", Phase = MigrationPhase.Precopy };
        Assert.That(journal.TryBegin(migration), Is.True);
        GrpcAssert.Status(() => edge.Client.DeleteWorkloadAsync(Delete("busy")).ResponseAsync, StatusCode.FailedPrecondition,
            "workload default/busy is held by migration m-holds-busy");
        Assert.That(await adapterEdge.GetWorkloadAsync(id, CancellationToken.None), Is.Not.Null, "nothing was deleted");

        migration.Phase = MigrationPhase.RolledBack;
        journal.Save(migration);
        var deleted = await edge.Client.DeleteWorkloadAsync(Delete("busy"));
        Assert.That(deleted.Workload, Is.EqualTo(Ref("busy")));
        Assert.That(await adapterEdge.GetWorkloadAsync(id, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task A_migration_target_is_refused_naming_its_migration()
    {
        adapterEdge.Put(new WorkloadInfo(new WorkloadId("default", "arriving"), Adapters.WorkloadRole.Target, "app:1", true, Engine, Engine,
            new Dictionary<int, string>(), null, "m-brings-it"));
        GrpcAssert.Status(() => edge.Client.DeleteWorkloadAsync(Delete("arriving")).ResponseAsync, StatusCode.FailedPrecondition,
            "workload default/arriving is the target of migration m-brings-it");
        Assert.That(await adapterEdge.GetWorkloadAsync(new WorkloadId("default", "arriving"), CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task A_workload_from_elsewhere_has_its_home_close_the_stable_address_first()
    {
        var id = new WorkloadId("default", "visitor");
        adapterHome.StableAddresses[id] = "127.0.0.1:40011";
        adapterEdge.Put(Visitor(id, "home", "127.0.0.1:40011"));

        var deleted = await edge.Client.DeleteWorkloadAsync(Delete("visitor"));
        var left = await adapterEdge.GetWorkloadAsync(id, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(deleted.ClosedStableAddress, Is.EqualTo("127.0.0.1:40011"));
            Assert.That(deleted.HomeCluster, Is.EqualTo("home"));
            Assert.That(deleted.Cluster, Is.EqualTo("edge"));
            Assert.That(Calls(adapterHome), Does.Contain("close default/visitor 127.0.0.1:5011"), "the home was given the deleted runtime's app endpoints");
            Assert.That(adapterHome.StableAddresses, Does.Not.ContainKey(id));
            Assert.That(left, Is.Null, "the workload is gone from edge");
        });
    }

    [Test]
    public async Task A_workload_whose_home_is_unreachable_is_not_deleted()
    {
        var id = new WorkloadId("default", "stranded");
        adapterEdge.Put(Visitor(id, "gone", "127.0.0.1:40012"));
        GrpcAssert.Status(() => edge.Client.DeleteWorkloadAsync(Delete("stranded")).ResponseAsync, StatusCode.Unavailable,
            "cluster 'gone', which holds the stable address of default/stranded, is unreachable: nothing was deleted");
        Assert.That(await adapterEdge.GetWorkloadAsync(id, CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public void Close_refuses_a_workload_that_runs_at_home()
    {
        var id = new WorkloadId("default", "resident");
        adapterHome.Add(id, Engine, stableAddress: "127.0.0.1:40013");
        adapterHome.StableAddresses[id] = "127.0.0.1:40013";
        GrpcAssert.Status(() => homePeer.CloseStableAddressAsync(Close("resident", "127.0.0.1:5013")).ResponseAsync, StatusCode.FailedPrecondition,
            "workload default/resident runs in cluster 'home': its stable address stays");
        Assert.That(adapterHome.StableAddresses, Does.ContainKey(id));
    }

    [Test]
    public async Task Close_of_a_workload_without_a_stable_address_here_closes_nothing()
    {
        var answer = await homePeer.CloseStableAddressAsync(Close("stranger", "127.0.0.1:5014"));
        Assert.Multiple(() =>
        {
            Assert.That(answer.Closed, Is.False);
            Assert.That(answer.StableAddress, Is.Empty);
        });
    }

    [TestCase("edge", "shop", "nohost", "is not HOST:PORT")]
    [TestCase("edge", "shop", "127.0.0.1:0", "is not HOST:PORT")]
    [TestCase("edge", "shop", null, "no backends given")]
    [TestCase("", "shop", "127.0.0.1:5000", "source cluster is empty")]
    [TestCase("edge", "Not_A_Label", "127.0.0.1:5000", "not a DNS label")]
    public void Close_rejects_bad_input(string source, string name, string? backend, string mentions)
    {
        var request = new CloseStableAddressRequest { SourceCluster = source, Workload = Ref(name) };
        if (backend is not null) request.Backends[8080] = backend;
        GrpcAssert.Status(() => homePeer.CloseStableAddressAsync(request).ResponseAsync, StatusCode.InvalidArgument, mentions);
    }

    /// <summary>A workload that came to edge from <paramref name="homeCluster"/>, which holds its stable address; its app at 127.0.0.1:50xx.</summary>
    private static WorkloadInfo Visitor(WorkloadId id, string homeCluster, string stableAddress) =>
        new(id, Adapters.WorkloadRole.Active, "app:1", true, Engine, Engine,
            new Dictionary<int, string> { [8080] = "127.0.0.1:50" + stableAddress[^2..] }, stableAddress, null, homeCluster, "node-1");

    private static List<string> Calls(FakeAdapter adapter)
    {
        lock (adapter.TrafficCalls) return [.. adapter.TrafficCalls];
    }

    private static V1.WorkloadRef Ref(string name) => new() { Namespace = "default", Name = name };

    private static DeleteWorkloadRequest Delete(string name) => new() { Workload = Ref(name) };

    private static CloseStableAddressRequest Close(string name, string backend) =>
        new() { SourceCluster = "edge", Workload = Ref(name), Backends = { [8080] = backend } };
}
