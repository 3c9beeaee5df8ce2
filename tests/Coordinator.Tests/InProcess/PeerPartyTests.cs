using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// A peer acts only on migrations it is a party to (issue 8, defect 2). Cluster a over a fake adapter, with two configured
/// peers: b, where a's workload "shop" runs now (a holds its stable address) and whose migration has a target here, and m,
/// a peer that is party to neither. Each test sends what a local process sent in the reported attacks, once with no
/// credential and once as m, and checks that nothing changed: no hold, no switch, no target made or removed.
/// </summary>
[TestFixture]
public sealed class PeerPartyTests
{
    private static readonly WorkloadId Shop = new("default", "shop");
    private static readonly WorkloadId Cart = new("default", "cart");
    private const string TargetMigration = "mtarget0001";
    private readonly FakeAdapter adapter = new();
    private CoordinatorNode a = null!;
    private CoordinatorPeer.CoordinatorPeerClient fromB = null!;
    private CoordinatorPeer.CoordinatorPeerClient fromM = null!;
    private CoordinatorPeer.CoordinatorPeerClient anonymous = null!;
    private string directory = "";

    private MigrationJournal Journal => a.Services.GetRequiredService<MigrationJournal>();

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-party-").FullName;
        a = new CoordinatorNode("a", FreePort.Next(), directory,
            ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning",
             $"--Coordinator:Peers:b=http://127.0.0.1:{FreePort.Next()}", $"--Coordinator:Peers:m=http://127.0.0.1:{FreePort.Next()}"], adapter.Module);
        await a.StartAsync();
        adapter.StableAddresses[Shop] = "127.0.0.1:40001";
        fromB = a.PeerClientAs("b");
        fromM = a.PeerClientAs("m");
        anonymous = a.PeerClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await a.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Each test starts with shop running in b, and b's migration of cart prepared here.</summary>
    [SetUp]
    public void Reset()
    {
        Journal.PutLocation(new WorkloadLocation(Shop, "b", MovedBy: "", MovedFrom: ""));
        Journal.PutTarget(new TargetRecord(TargetMigration, Cart, "b", TargetState.Prepared, new AppSpec { Name = "cart", Image = "app:1" }, DateTimeOffset.UnixEpoch));
        adapter.AddTarget(Cart, TargetMigration);
        lock (adapter.TrafficCalls) adapter.TrafficCalls.Clear();
    }

    // ---- hold with an invented migration id: every new connection would wait ----

    [Test]
    public void A_hold_without_credentials_is_refused_and_nothing_is_held()
    {
        GrpcAssert.Status(() => anonymous.HoldTrafficAsync(Hold("minvented01", "b")).ResponseAsync, StatusCode.Unauthenticated, "no peer credential");
        AssertNothingHeld("minvented01");
    }

    [Test]
    public void A_hold_by_a_peer_the_workload_does_not_run_in_is_refused_and_nothing_is_held()
    {
        GrpcAssert.Status(() => fromM.HoldTrafficAsync(Hold("minvented02", "m")).ResponseAsync, StatusCode.PermissionDenied,
            "peer 'm' may not move the traffic of default/shop: it runs in cluster 'b'");
        AssertNothingHeld("minvented02");
    }

    [Test]
    public void A_hold_in_the_name_of_the_cluster_the_workload_runs_in_is_refused_and_nothing_is_held()
    {
        GrpcAssert.Status(() => fromM.HoldTrafficAsync(Hold("minvented03", "b")).ResponseAsync, StatusCode.PermissionDenied,
            "peer 'm' may not move traffic for source cluster 'b'");
        AssertNothingHeld("minvented03");
    }

    // ---- hold and switch: the stable address pointed at a listener of the caller's choosing ----

    [Test]
    public void Hold_and_switch_by_a_non_party_are_refused_and_the_address_is_unchanged()
    {
        GrpcAssert.Status(() => fromM.HoldTrafficAsync(Hold("mhijack0001", "m")).ResponseAsync, StatusCode.PermissionDenied, "it runs in cluster 'b'");
        GrpcAssert.Status(() => fromM.SwitchTrafficAsync(Switch("mhijack0001", "m", "m")).ResponseAsync, StatusCode.PermissionDenied, "it runs in cluster 'b'");
        GrpcAssert.Status(() => anonymous.SwitchTrafficAsync(Switch("mhijack0001", "b", "m")).ResponseAsync, StatusCode.Unauthenticated, "no peer credential");
        AssertAddressUnchanged("mhijack0001");
    }

    [Test]
    public async Task A_non_party_cannot_switch_or_release_the_hold_of_the_real_move()
    {
        await fromB.HoldTrafficAsync(Hold("mrealmove01", "b"));
        GrpcAssert.Status(() => fromM.SwitchTrafficAsync(Switch("mrealmove01", "m", "m")).ResponseAsync, StatusCode.PermissionDenied, "it runs in cluster 'b'");
        GrpcAssert.Status(() => fromM.ReleaseTrafficAsync(new ReleaseTrafficRequest { MigrationId = "mrealmove01", SourceCluster = "m", Workload = Ref(Shop) }).ResponseAsync,
            StatusCode.PermissionDenied, "it runs in cluster 'b'");
        Assert.Multiple(() =>
        {
            Assert.That(Calls(), Is.EqualTo(new[] { "hold default/shop" }), "only b's hold reached the traffic switch");
            Assert.That(Journal.GetLocation(Shop)!.Cluster, Is.EqualTo("b"));
        });
        Assert.That((await fromB.ReleaseTrafficAsync(new ReleaseTrafficRequest { MigrationId = "mrealmove01", SourceCluster = "b", Workload = Ref(Shop) })).StableAddress,
            Is.EqualTo("127.0.0.1:40001"), "b, the party, may release it");
    }

    [Test]
    public async Task After_a_switch_the_home_takes_traffic_steps_only_from_the_destination()
    {
        await fromB.HoldTrafficAsync(Hold("mbtom000001", "b"));
        await fromB.SwitchTrafficAsync(Switch("mbtom000001", "b", "m"));
        await fromB.SwitchTrafficAsync(Switch("mbtom000001", "b", "m"));
        Assert.That(Journal.GetLocation(Shop), Is.EqualTo(new WorkloadLocation(Shop, "m", "mbtom000001", "b")), "shop runs in m now");

        GrpcAssert.Status(() => fromB.HoldTrafficAsync(Hold("mbagain0001", "b")).ResponseAsync, StatusCode.PermissionDenied,
            "peer 'b' may not move the traffic of default/shop: it runs in cluster 'm'");
        await fromM.HoldTrafficAsync(Hold("mmtob000001", "m"));
        Assert.That(Calls(), Is.EqualTo(new[] { "hold default/shop", "switch default/shop 8080=127.0.0.1:5000", "switch default/shop 8080=127.0.0.1:5000", "hold default/shop" }));
    }

    [Test]
    public async Task A_workload_deployed_here_takes_traffic_steps_from_no_peer()
    {
        var web = new WorkloadId("default", "web");
        await a.Client.DeployAsync(new DeployRequest { Ref = Ref(web), Spec = new AppSpec { Name = "web", Image = "app:1" } });
        Assert.That(Journal.GetLocation(web)!.Cluster, Is.EqualTo("a"));
        GrpcAssert.Status(() => fromB.HoldTrafficAsync(new HoldTrafficRequest { MigrationId = "mweb0000001", SourceCluster = "b", Workload = Ref(web) }).ResponseAsync,
            StatusCode.PermissionDenied, "it runs in cluster 'a'");
        Assert.That(Calls(), Is.Empty);
    }

    [Test]
    public void A_workload_this_home_knows_nothing_about_takes_traffic_steps_from_no_peer()
    {
        adapter.StableAddresses[new WorkloadId("default", "stray")] = "127.0.0.1:40009";
        GrpcAssert.Status(() => fromB.HoldTrafficAsync(new HoldTrafficRequest
        {
            MigrationId = "mstray00001", SourceCluster = "b", Workload = new V1.WorkloadRef { Namespace = "default", Name = "stray" },
        }).ResponseAsync, StatusCode.PermissionDenied, "cluster 'a' does not know it to run anywhere");
        Assert.That(Calls(), Is.Empty);
    }

    // ---- targets: created with an address and home of the caller's choosing, or rolled back under another cluster ----

    [Test]
    public void PrepareTarget_without_credentials_is_refused_and_nothing_is_created()
    {
        GrpcAssert.Status(() => anonymous.PrepareTargetAsync(Prepare("mprep000001", "b")).ResponseAsync, StatusCode.Unauthenticated, "no peer credential");
        AssertNoTarget("mprep000001");
    }

    [Test]
    public void PrepareTarget_with_a_forged_source_cluster_is_refused_and_nothing_is_created()
    {
        GrpcAssert.Status(() => fromM.PrepareTargetAsync(Prepare("mprep000002", "b")).ResponseAsync, StatusCode.PermissionDenied,
            "peer 'm' may not prepare a target for cluster 'b'");
        AssertNoTarget("mprep000002");
    }

    [Test]
    public void PrepareTarget_again_for_another_clusters_migration_is_refused_and_the_target_is_kept()
    {
        var request = Prepare(TargetMigration, "m");
        request.Workload = Ref(Cart);
        request.Spec.Name = "cart";
        GrpcAssert.Status(() => fromM.PrepareTargetAsync(request).ResponseAsync, StatusCode.PermissionDenied,
            $"peer 'm' may not prepare the target of migration {TargetMigration}: its target here belongs to cluster 'b'");
        AssertTargetIntact();
    }

    [Test]
    public void Negotiate_with_a_forged_source_cluster_is_refused() =>
        GrpcAssert.Status(() => fromM.NegotiateAsync(new NegotiateRequest
        {
            MigrationId = "mnego000001", SourceCluster = "b", Workload = Ref(new WorkloadId("default", "x")), Spec = new AppSpec { Name = "x", Image = "app:1" },
            SourceRuntime = adapter.Offer.Runtime,
        }).ResponseAsync, StatusCode.PermissionDenied, "peer 'm' may not negotiate a migration for cluster 'b'");

    [Test]
    public void Abort_of_another_clusters_migration_is_PermissionDenied_and_the_target_is_kept()
    {
        GrpcAssert.Status(() => fromM.AbortAsync(new AbortRequest { MigrationId = TargetMigration, Reason = "mine now" }).ResponseAsync, StatusCode.PermissionDenied,
            $"peer 'm' may not abort migration {TargetMigration}: its target here belongs to cluster 'b'");
        GrpcAssert.Status(() => anonymous.AbortAsync(new AbortRequest { MigrationId = TargetMigration }).ResponseAsync, StatusCode.Unauthenticated, "no peer credential");
        AssertTargetIntact();
    }

    [Test]
    public async Task Abort_by_the_migrations_source_removes_the_target()
    {
        var aborted = await fromB.AbortAsync(new AbortRequest { MigrationId = TargetMigration, Reason = "rolled back" });
        Assert.Multiple(() =>
        {
            Assert.That(aborted.Removed, Is.True);
            Assert.That(Journal.GetTarget(TargetMigration)!.State, Is.EqualTo(TargetState.Aborted));
            Assert.That(adapter.Has(Cart), Is.False);
        });
    }

    [Test]
    public void Commit_open_transfer_and_heartbeat_of_another_clusters_migration_are_PermissionDenied()
    {
        GrpcAssert.Status(() => fromM.CommitAsync(new CommitRequest { MigrationId = TargetMigration, Checkpoint = $"{TargetMigration}-final" }).ResponseAsync,
            StatusCode.PermissionDenied, $"peer 'm' may not commit migration {TargetMigration}");
        GrpcAssert.Status(() => fromM.OpenTransferAsync(new PeerOpenTransferRequest { MigrationId = TargetMigration, Checkpoint = $"{TargetMigration}-final" }).ResponseAsync,
            StatusCode.PermissionDenied, $"peer 'm' may not open a transfer for migration {TargetMigration}");
        GrpcAssert.Status(() => fromM.HeartbeatAsync(new HeartbeatRequest { MigrationId = TargetMigration, SourceCluster = "m" }).ResponseAsync,
            StatusCode.PermissionDenied, $"peer 'm' may not send heartbeats for migration {TargetMigration}");
        GrpcAssert.Status(() => fromM.HeartbeatAsync(new HeartbeatRequest { MigrationId = TargetMigration, SourceCluster = "b" }).ResponseAsync,
            StatusCode.PermissionDenied, "peer 'm' may not send heartbeats for cluster 'b'");
        AssertTargetIntact();
    }

    [Test]
    public async Task The_migrations_source_keeps_its_target_alive()
    {
        var state = await fromB.HeartbeatAsync(new HeartbeatRequest { MigrationId = TargetMigration, SourceCluster = "b" });
        Assert.That(state.State, Is.EqualTo(TargetState.Prepared));
        Assert.That(Journal.GetTarget(TargetMigration)!.LastHeartbeat, Is.GreaterThan(DateTimeOffset.UnixEpoch));
    }

    private void AssertNothingHeld(string migrationId) => Assert.Multiple(() =>
    {
        Assert.That(Calls(), Is.Empty, "the traffic switch was not asked to hold");
        Assert.That(Journal.Steps(migrationId), Is.Empty, "nothing was journaled for the invented migration");
    });

    private void AssertAddressUnchanged(string migrationId) => Assert.Multiple(() =>
    {
        Assert.That(Calls(), Is.Empty, "the traffic switch was neither held nor switched");
        Assert.That(Journal.Steps(migrationId), Is.Empty);
        Assert.That(Journal.GetLocation(Shop), Is.EqualTo(new WorkloadLocation(Shop, "b", "", "")), "the home still knows shop to run in b");
    });

    private void AssertNoTarget(string migrationId) => Assert.Multiple(() =>
    {
        Assert.That(Journal.GetTarget(migrationId), Is.Null, "no target was journaled");
        Assert.That(adapter.Has(new WorkloadId("default", "evil")), Is.False, "no runtime was created");
    });

    private void AssertTargetIntact() => Assert.Multiple(() =>
    {
        var target = Journal.GetTarget(TargetMigration)!;
        Assert.That(target.State, Is.EqualTo(TargetState.Prepared));
        Assert.That(target.SourceCluster, Is.EqualTo("b"));
        Assert.That(target.LastHeartbeat, Is.EqualTo(DateTimeOffset.UnixEpoch), "no heartbeat was taken");
        Assert.That(adapter.Has(Cart), Is.True, "the target runtime is still there");
    });

    private List<string> Calls()
    {
        lock (adapter.TrafficCalls) return [.. adapter.TrafficCalls];
    }

    private static V1.WorkloadRef Ref(WorkloadId id) => new() { Namespace = id.Namespace, Name = id.Name };

    private static HoldTrafficRequest Hold(string migrationId, string source) => new() { MigrationId = migrationId, SourceCluster = source, Workload = Ref(Shop) };

    private static SwitchTrafficRequest Switch(string migrationId, string source, string destination) => new()
    {
        MigrationId = migrationId, SourceCluster = source, DestinationCluster = destination, Workload = Ref(Shop), Backends = { [8080] = "127.0.0.1:5000" },
    };

    private static PrepareTargetRequest Prepare(string migrationId, string source) => new()
    {
        MigrationId = migrationId, SourceCluster = source, Workload = new V1.WorkloadRef { Namespace = "default", Name = "evil" },
        Spec = new AppSpec { Name = "evil", Image = "app:1" }, FirstCheckpoint = $"{migrationId}-final", HomeCluster = "m", StableAddress = "127.0.0.1:6666",
    };
}
