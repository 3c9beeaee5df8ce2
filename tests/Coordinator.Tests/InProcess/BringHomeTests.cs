using System.Text.Json;
using Federation.Adapters;
using Federation.Cli;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Membership;
using Federation.Coordinator.Policy;
using Federation.Coordinator.Saga;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// Bring-home (issue 12): the home cluster "edge" (CPU pressure 0.05, below its policy's lower threshold) decides that its
/// workloads running in "cloud" should come back, and asks cloud's coordinator (<c>CoordinatorPeer.ReturnHome</c>), which
/// checks the request and starts the same migration a manual move does, marked as started by edge's policy; the answer goes
/// into edge's policy event. Fake adapters and a <see cref="FakeEngine"/> for the workloads' runtime: the migration is
/// negotiated for real with edge and then stopped at its first step (<see cref="MigrationHooks.PrepareTarget"/>).
/// </summary>
[TestFixture]
public sealed class BringHomeTests
{
    private const string BringHomePolicy = """
        edge-offload:
          resource: cpu
          upper: 0.8
          window: 0s
          lower: 0.3
          lower-window: 0s
        """;

    private static readonly WorkloadId Cart = new("shop", "cart");
    private static readonly WorkloadId Two = new("shop", "two");

    private readonly FakeEngine engine = new();
    private readonly FakeAdapter cloudAdapter = new() { Capacity = new CapacityReport(16UL << 30, 12UL << 30, 8, 0.5, 2, 16, "") };
    private CoordinatorNode edge = null!;
    private CoordinatorNode cloud = null!;
    private string directory = "";
    private Pause pause = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-bringhome-").FullName;
        var policyPath = Path.Combine(directory, "policy.yaml");
        await File.WriteAllTextAsync(policyPath, BringHomePolicy);
        await engine.StartAsync();
        int portEdge = FreePort.Next(), portCloud = FreePort.Next();
        string[] common = ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning", "--heartbeat-interval=01:00:00",
            "--unreachable-after=02:00:00", "--Coordinator:Policy:EvaluationInterval=01:00:00"];
        // Both workloads run in cloud, their stable addresses held by edge, their home.
        cloudAdapter.Add(Cart, engine.Endpoint, "127.0.0.1:40100", home: "edge");
        cloudAdapter.Add(Two, engine.Endpoint, "127.0.0.1:40101", home: "edge");
        edge = new CoordinatorNode("edge", portEdge, directory,
            [.. common, $"--Coordinator:Peers:cloud=http://127.0.0.1:{portCloud}", "--policy", policyPath, "--Coordinator:Policy:RetryRefusedAfter=00:00:00"],
            new FakeAdapter { Capacity = new CapacityReport(8UL << 30, 6UL << 30, 4, 0.05, 0, 4, "") }.Module);
        // "other" is a configured peer of cloud that is not the workloads' home (nothing listens there).
        cloud = new CoordinatorNode("cloud", portCloud, directory,
            [.. common, $"--Coordinator:Peers:edge=http://127.0.0.1:{portEdge}", $"--Coordinator:Peers:other=http://127.0.0.1:{FreePort.Next()}"],
            cloudAdapter.Module);
        await edge.StartAsync();
        await cloud.StartAsync();
        var journal = edge.Services.GetRequiredService<MigrationJournal>();
        journal.PutLocation(new WorkloadLocation(Cart, "cloud", "m-earlier", "edge"));
        journal.PutLocation(new WorkloadLocation(Two, "cloud", "m-earlier", "edge"));
        await edge.Services.GetRequiredService<MembershipHeartbeats>().BeatOnceAsync(CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        pause?.Release();
        await edge.DisposeAsync();
        await cloud.DisposeAsync();
        await engine.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private Task<IReadOnlyList<PolicyDecision>> EvaluateEdgeAsync() =>
        edge.Services.GetRequiredService<PolicyEvaluator>().EvaluateOnceAsync(CancellationToken.None);

    private IReadOnlyList<PolicyEvent> EdgeReturns() =>
        edge.Services.GetRequiredService<PolicyEvents>().List().Where(e => e.Kind == "return").ToList();

    private WorkloadPins CloudPins => cloud.Services.GetRequiredService<WorkloadPins>();

    private Task<ReturnHomeResponse> AskCloudAsync(string caller, string home, WorkloadId workload) =>
        cloud.PeerClientAs(caller).ReturnHomeAsync(new ReturnHomeRequest
        {
            HomeCluster = home,
            Workload = new V1.WorkloadRef { Namespace = workload.Namespace, Name = workload.Name },
            Reason = "test",
        }).ResponseAsync;

    [Test, Order(0)]
    public async Task A_return_the_cluster_it_runs_in_refuses_is_recorded_with_its_one_line_refusal()
    {
        await CloudPins.PinAsync(Cart, "stays for the sale", CancellationToken.None);
        await CloudPins.PinAsync(Two, "", CancellationToken.None);

        var decision = (await EvaluateEdgeAsync()).Single();

        Assert.That((decision.Kind, decision.Workload, decision.Source, decision.Destination), Is.EqualTo((DecisionKind.Return, "shop/cart", "cloud", "edge")),
            "one at a time (the guard's default), the smaller name first among equals");
        var refused = EdgeReturns().Single();
        Assert.That(refused.DryRun, Is.True, "not carried out");
        Assert.That(refused.Reason, Does.StartWith("cpu pressure 0.05 below 0.3 for 0ms; shop/cart comes home from 'cloud'")
            .And.Contain("'cloud' refused to send it home: workload shop/cart is pinned to cluster 'cloud' (pinned by hand at ")
            .And.EndWith(": stays for the sale)"));
        Assert.That((await cloud.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations, Is.Empty, "a pinned workload does not move");
    }

    [Test, Order(1)]
    public async Task Once_unpinned_the_home_asks_again_and_the_cluster_it_runs_in_starts_the_migration_home()
    {
        pause = cloud.Hooks.Arm(MigrationHooks.PrepareTarget);
        Assert.That(CloudPins.Unpin(Cart), Is.True);

        await EvaluateEdgeAsync();

        var started = EdgeReturns()[^1];
        var migration = (await cloud.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations.Single();
        Assert.That(await pause.ReachedAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(migration.Id), "the migration runs the saga");
        Assert.Multiple(() =>
        {
            Assert.That(started.DryRun, Is.False, "carried out");
            Assert.That(started.Reason, Does.StartWith("cpu pressure 0.05 below 0.3 for 0ms; shop/cart comes home from 'cloud' with 0.05")
                .And.EndWith($"; 'cloud' started migration {migration.Id}"));
            Assert.That((migration.SourceCluster, migration.DestinationCluster, migration.HomeCluster), Is.EqualTo(("cloud", "edge", "edge")));
            Assert.That(migration.Workload, Is.EqualTo(new V1.WorkloadRef { Namespace = "shop", Name = "cart" }));
            Assert.That(migration.InitiatedBy, Does.StartWith("policy return of cluster 'edge': cpu pressure 0.05 below 0.3 for 0ms; shop/cart comes home"));
            Assert.That(migration.Negotiation, Does.Contain("node node-1"), "edge negotiated it as for a manual move");
            Assert.That(migration.Phase, Is.Not.EqualTo(MigrationPhase.RolledBack));
        });

        await EvaluateEdgeAsync();
        Assert.That(EdgeReturns(), Has.Count.EqualTo(2), "a decision carried out is not asked for again while it stands");
    }

    [Test, Order(2)]
    public async Task The_cluster_it_runs_in_refuses_a_second_move_a_pinned_one_one_over_its_guard_and_strangers()
    {
        var moving = (await cloud.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations.Single().Id;
        GrpcAssert.Status(() => AskCloudAsync("edge", "edge", Cart), StatusCode.FailedPrecondition, $"workload shop/cart is already moving (migration {moving})");
        GrpcAssert.Status(() => AskCloudAsync("edge", "edge", Two), StatusCode.FailedPrecondition, "workload shop/two is pinned to cluster 'cloud' (pinned by hand at");
        CloudPins.Unpin(Two);
        GrpcAssert.Status(() => AskCloudAsync("edge", "edge", Two), StatusCode.FailedPrecondition,
            "1 migration(s) out of cluster 'cloud' under way, at most 1 (its guards)");
        GrpcAssert.Status(() => AskCloudAsync("other", "other", Two), StatusCode.PermissionDenied, "peer 'other' may not bring shop/two home: its home is cluster 'edge'");
        GrpcAssert.Status(() => AskCloudAsync("other", "edge", Two), StatusCode.PermissionDenied, "peer 'other' may not ask for workloads to come home to cluster 'edge'");
        GrpcAssert.Status(() => AskCloudAsync("edge", "edge", new WorkloadId("shop", "gone")), StatusCode.NotFound, "workload shop/gone does not run in cluster 'cloud'");
        GrpcAssert.Status(() => AskCloudAsync("edge", "", Two), StatusCode.InvalidArgument, "home cluster");
        Assert.That((await cloud.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations, Has.Count.EqualTo(1), "no refusal started anything");
    }

    [Test, Order(3)]
    public async Task Fedctl_events_lists_decisions_and_migrations_with_their_reasons()
    {
        var moving = (await cloud.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations.Single().Id;
        var (code, output, error) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "edge", edge, cloud), "events");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.Match(@"^TIME\s+KIND\s+WORKLOAD\s+MOVE\s+LOGGED ONLY\s+REASON$"));
        var returns = lines.Where(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, "return", ..]).ToList();
        Assert.That(returns, Has.Count.EqualTo(2), output);
        Assert.That(returns[0], Does.Contain("shop/cart").And.Contain("cloud -> edge").And.Contain(" yes ").And.Contain("'cloud' refused to send it home"));
        Assert.That(returns[1], Does.Contain("shop/cart").And.Contain("cloud -> edge").And.Not.Contain(" yes ").And.EndWith($"'cloud' started migration {moving}"));
        Assert.That(lines.Any(l => l.Contains(" policy-loaded ")), Is.True, "the policy file's load is an event too");

        var (cloudCode, cloudOutput, cloudError) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "cloud", edge, cloud), "events", "-o", "json");
        Assert.That(cloudCode, Is.EqualTo(ExitCodes.Ok), cloudError);
        var started = JsonDocument.Parse(cloudOutput).RootElement.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("kind").GetString() == "migration-started");
        Assert.Multiple(() =>
        {
            Assert.That(started.GetProperty("migrationId").GetString(), Is.EqualTo(moving));
            Assert.That(started.GetProperty("workload").GetString(), Is.EqualTo("shop/cart"));
            Assert.That((started.GetProperty("sourceCluster").GetString(), started.GetProperty("destinationCluster").GetString()), Is.EqualTo(("cloud", "edge")));
            Assert.That(started.GetProperty("reason").GetString(), Does.StartWith("started by policy return of cluster 'edge': cpu pressure 0.05 below 0.3"));
        });
    }

    [Test, Order(4)]
    public async Task A_workload_pinned_by_hand_at_its_home_is_not_brought_home_even_after_a_restart_and_unpin_is_safe_to_repeat()
    {
        var config = Fedctl.WriteConfig(directory, "edge", edge, cloud);
        var (code, output, error) = await Fedctl.RunAsync(config, "pin", "shop/cart", "--note", "keep it in the cloud");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output.Trim(), Is.EqualTo("workload shop/cart pinned: no policy moves it"));
        Assert.That((await Fedctl.RunAsync(config, "pin", "shop/two")).ExitCode, Is.EqualTo(ExitCodes.Ok));

        await edge.RestartAsync();
        await edge.Services.GetRequiredService<MembershipHeartbeats>().BeatOnceAsync(CancellationToken.None);
        config = Fedctl.WriteConfig(directory, "edge", edge, cloud);
        var hold = (await EvaluateEdgeAsync()).Single();
        Assert.That(hold.Kind, Is.EqualTo(DecisionKind.Hold));
        Assert.That(hold.Reason, Is.EqualTo("cpu pressure 0.05 below 0.3 for 0ms; not brought home: pinned by hand: shop/cart in 'cloud', shop/two in 'cloud'"),
            "the pins were kept across the restart");
        var (eventsCode, events, eventsError) = await Fedctl.RunAsync(config, "events");
        Assert.That(eventsCode, Is.EqualTo(ExitCodes.Ok), eventsError);
        Assert.That(events, Does.Match(@"pinned: shop/cart since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(keep it in the cloud\)"));
        Assert.That(events, Does.Contain(" hold ").And.Contain("not brought home: pinned by hand"));

        var (unpinCode, unpinned, unpinError) = await Fedctl.RunAsync(config, "unpin", "shop/cart");
        Assert.That(unpinCode, Is.EqualTo(ExitCodes.Ok), unpinError);
        Assert.That(unpinned.Trim(), Is.EqualTo("workload shop/cart unpinned"));
        Assert.That((await Fedctl.RunAsync(config, "unpin", "shop/cart")).Out.Trim(), Is.EqualTo("workload shop/cart was not pinned"));

        var (missingCode, _, missing) = await Fedctl.RunAsync(config, "pin", "shop/nowhere");
        Assert.That(missingCode, Is.EqualTo(ExitCodes.NotFound));
        Assert.That(missing.Trim(), Is.EqualTo("fedctl: workload shop/nowhere neither runs in cluster 'edge' nor has its home there"));
        Assert.That((await Fedctl.RunAsync(config, "pin", "a/b/c")).ExitCode, Is.EqualTo(ExitCodes.Usage));
    }
}
