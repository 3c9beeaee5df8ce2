using Federation.Adapters;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>Two coordinators in process (Kestrel on 127.0.0.1, HTTP/2) over fake adapters: input checks and negotiation, no Docker.</summary>
[TestFixture]
public sealed class CoordinatorApiTests
{
    private readonly FakeAdapter adapterA = new();
    private readonly FakeAdapter adapterB = new();
    private CoordinatorNode a = null!;
    private CoordinatorNode b = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-api-").FullName;
        int portA = FreePort.Next(), portB = FreePort.Next();
        a = new CoordinatorNode("a", portA, directory, ["--Coordinator:Adapter:Kind=fake", $"--Coordinator:Peers:b=http://127.0.0.1:{portB}", "--Logging:LogLevel:Default=Warning"], adapterA.Module);
        b = new CoordinatorNode("b", portB, directory, ["--Coordinator:Adapter:Kind=fake", $"--Coordinator:Peers:a=http://127.0.0.1:{portA}", "--Logging:LogLevel:Default=Warning"], adapterB.Module);
        await a.StartAsync();
        await b.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [TestCase("a/b/c", StatusCode.InvalidArgument, "is not NAMESPACE/NAME")]
    [TestCase("", StatusCode.InvalidArgument, "is not NAMESPACE/NAME")]
    [TestCase("Default/UPPER", StatusCode.InvalidArgument, "not a DNS label")]
    [TestCase("default/ghost", StatusCode.NotFound, "workload default/ghost is not in cluster 'a'")]
    public void Migrate_rejects_bad_workloads(string workload, StatusCode code, string mentions) =>
        GrpcAssert.Status(() => a.Client.MigrateAsync(new MigrateRequest { Workload = workload, Destination = "b" }).ResponseAsync, code, mentions);

    [TestCase("mars", StatusCode.NotFound, "unknown destination cluster 'mars' (peers of 'a': b)")]
    [TestCase("a", StatusCode.InvalidArgument, "already runs in cluster 'a'")]
    [TestCase("", StatusCode.InvalidArgument, "destination cluster is empty")]
    public void Migrate_rejects_bad_destinations(string destination, StatusCode code, string mentions) =>
        GrpcAssert.Status(() => a.Client.MigrateAsync(new MigrateRequest { Workload = "default/x", Destination = destination }).ResponseAsync, code, mentions);

    [Test]
    public void Too_many_precopy_rounds_is_InvalidArgument() =>
        GrpcAssert.Status(() => a.Client.MigrateAsync(new MigrateRequest { Workload = "x", Destination = "b", Options = new MigrationOptions { PrecopyRounds = 1000 } }).ResponseAsync,
            StatusCode.InvalidArgument, "above the limit");

    [TestCase("../etc", StatusCode.InvalidArgument, "malformed")]
    [TestCase("m0000000000", StatusCode.NotFound, "not known to cluster 'a'")]
    public void GetMigration_rejects_bad_ids(string id, StatusCode code, string mentions) =>
        GrpcAssert.Status(() => a.Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = id }).ResponseAsync, code, mentions);

    [Test]
    public void Negotiate_refuses_an_incompatible_source_with_every_reason()
    {
        var peer = b.PeerClientAs("a");
        var source = new DescribeResponse { Architecture = "arm64", Kernel = "7.1.0", CriuVersion = "4.3", RuncVersion = "1.1.15", DockerVersion = "26.1.5" };
        var request = new NegotiateRequest
        {
            MigrationId = "m1", SourceCluster = "a", SourceRuntime = source,
            Workload = new V1.WorkloadRef { Namespace = "default", Name = "x" },
            Spec = new AppSpec { Name = "x", Image = "other:2" },
        };
        var e = GrpcAssert.Status(() => peer.NegotiateAsync(request).ResponseAsync, StatusCode.FailedPrecondition, "cluster 'b' cannot take default/x");
        Assert.That(e.Status.Detail, Does.Contain("architecture amd64 differs from the source's arm64")
            .And.Contain("kernel 6.18.0 is older").And.Contain("CRIU 4.2.1 is older").And.Contain("image other:2 is not available"));
    }

    [Test]
    public async Task Negotiate_accepts_a_compatible_source()
    {
        var peer = b.PeerClientAs("a");
        var response = await peer.NegotiateAsync(new NegotiateRequest
        {
            MigrationId = "m2", SourceCluster = "a",
            SourceRuntime = new DescribeResponse { Architecture = "amd64", Kernel = "6.18.0", CriuVersion = "Version: 4.2.1", RuncVersion = "1.1.15", DockerVersion = "26.1.5", DirtyTracking = true },
            Workload = new V1.WorkloadRef { Namespace = "default", Name = "x" },
            Spec = new AppSpec { Name = "x", Image = "app:1" },
        });
        Assert.That(response.PreDumpPossible, Is.False, "the destination does not track dirty memory");
        Assert.That(response.Destination.Cluster, Is.EqualTo("b"));
    }

    [Test]
    public async Task Health_and_reflection_are_served()
    {
        using var channel = GrpcChannel.ForAddress(a.Address);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.That(health.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving));
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.That(await call.ResponseStream.MoveNext(), Is.True);
        Assert.That(call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name),
            Is.SupersetOf(new[] { "federation.v1.Coordinator", "federation.v1.CoordinatorPeer", "grpc.health.v1.Health" }));
    }

    [Test]
    public async Task Peers_are_listed_with_their_reachability()
    {
        var peers = await a.Client.ListPeersAsync(new ListPeersRequest());
        Assert.That(peers.Cluster, Is.EqualTo("a"));
        Assert.That(peers.Peers.Single().Name, Is.EqualTo("b"));
        Assert.That(peers.Peers.Single().Reachable, Is.True, peers.Peers.Single().Detail);
    }
}
