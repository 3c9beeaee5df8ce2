using Federation.Cli;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>--insecure, the only way to run without authentication: it starts with a peer that has no secret, serves callers without credentials, and says so loudly at start.</summary>
[TestFixture]
public sealed class InsecureModeTests
{
    private readonly LogCapture logs = new();
    private readonly FakeAdapter adapter = new();
    private CoordinatorNode node = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-insecure-").FullName;
        node = new CoordinatorNode("open", FreePort.Next(), directory,
            ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning", $"--Coordinator:Peers:b=http://127.0.0.1:{FreePort.Next()}", "--insecure"],
            adapter.Module)
        {
            BeforeStart = services => services.GetRequiredService<ILoggerFactory>().AddProvider(logs),
        };
        await node.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await node.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public void It_warns_at_start_that_anyone_may_call_it() =>
        Assert.That(logs.Messages.Where(m => m.Level == LogLevel.Warning).Select(m => m.Message),
            Has.One.Contains("INSECURE (--insecure): no authentication").And.Contains("act as any peer cluster"));

    [Test]
    public async Task Both_APIs_serve_a_caller_without_credentials()
    {
        Assert.That((await node.OperatorClient().ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads, Is.Empty);
        Assert.That((await node.PeerClient().HeartbeatAsync(new HeartbeatRequest { SourceCluster = "b" })).State, Is.EqualTo(TargetState.Unknown));
    }

    [Test]
    public void A_peer_that_names_itself_still_acts_only_on_its_own_migrations()
    {
        var journal = node.Services.GetRequiredService<Journal.MigrationJournal>();
        journal.PutTarget(new Journal.TargetRecord("minsecure01", new Adapters.WorkloadId("default", "cart"), "b", TargetState.Prepared,
            new AppSpec { Name = "cart", Image = "app:1" }, DateTimeOffset.UtcNow));
        Testing.GrpcAssert.Status(() => node.PeerClient(Auth.PeerMetadata.Of("m", secret: null)).AbortAsync(new AbortRequest { MigrationId = "minsecure01" }).ResponseAsync,
            Grpc.Core.StatusCode.PermissionDenied, "peer 'm' may not abort migration minsecure01");
        Assert.That(journal.GetTarget("minsecure01")!.State, Is.EqualTo(TargetState.Prepared));
    }

    [Test]
    public async Task Fedctl_works_without_a_token()
    {
        var (code, _, error) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "open", ("open", node.Address)), "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
    }
}
