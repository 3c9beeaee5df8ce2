using System.Globalization;
using Federation.Adapters;
using Federation.Cli;
using Federation.Coordinator.Membership;
using Federation.Coordinator.Policy;
using Federation.Coordinator.Tests.Support;
using Federation.Tests.Shared;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// The policy in a running coordinator (issue 12): loaded from --policy at start, reloaded when the file changes, a bad file or
/// a bad `fedctl policy set` refused with one line per mistake while the previous policy stays; decisions with their reasons in
/// `fedctl policy explain` and in /metrics. Coordinators "edge" (under CPU pressure, per its fake adapter) and "cloud" over fake
/// adapters; the evaluation is driven by the test (<see cref="PolicyEvaluator.EvaluateOnceAsync"/>; the interval is an hour).
/// </summary>
[TestFixture]
public sealed class PolicyTests
{
    private const string DryRunOffload = """
        dry-run: true
        edge-offload:
          resource: cpu
          upper: 0.8
          window: 0s
          lower: 0.3
          lower-window: 10m
        """;

    private CoordinatorNode edge = null!;
    private CoordinatorNode cloud = null!;
    private FakeAdapter edgeAdapter = null!;
    private string directory = "";
    private string policyPath = "";
    private int metricsPort;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-policy-").FullName;
        policyPath = Path.Combine(directory, "policy.yaml");
        await File.WriteAllTextAsync(policyPath, DryRunOffload);
        int portEdge = FreePort.Next(), portCloud = FreePort.Next();
        metricsPort = FreePort.Next();
        string[] common = ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning", "--heartbeat-interval=01:00:00",
            "--unreachable-after=02:00:00", "--Coordinator:Policy:EvaluationInterval=01:00:00", "--Coordinator:Policy:ReloadDebounce=00:00:00.200"];
        edgeAdapter = new FakeAdapter { Capacity = new CapacityReport(8UL << 30, 4UL << 30, 4, 0.95, 1, 4, "") };
        // Two workloads: each is estimated at half the cluster's CPU pressure (0.475), which fits in cloud (0.1) below 0.8.
        edgeAdapter.Add(new WorkloadId("shop", "cart"), new Uri("http://127.0.0.1:1"));
        edgeAdapter.Add(new WorkloadId("shop", "other"), new Uri("http://127.0.0.1:1"));
        edge = new CoordinatorNode("edge", portEdge, directory,
            [.. common, $"--Coordinator:Peers:cloud=http://127.0.0.1:{portCloud}", "--policy", policyPath, "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture)],
            edgeAdapter.Module);
        cloud = new CoordinatorNode("cloud", portCloud, directory, [.. common, $"--Coordinator:Peers:edge=http://127.0.0.1:{portEdge}"],
            new FakeAdapter { Capacity = new CapacityReport(16UL << 30, 12UL << 30, 8, 0.1, 0, 16, "") }.Module);
        await edge.StartAsync();
        await cloud.StartAsync();
        await edge.Services.GetRequiredService<MembershipHeartbeats>().BeatOnceAsync(CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await edge.DisposeAsync();
        await cloud.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private string Config() => Fedctl.WriteConfig(directory, "edge", edge);

    private PolicyStore Store => edge.Services.GetRequiredService<PolicyStore>();

    [Test, Order(0)]
    public async Task Metrics_are_served_over_plain_http_on_their_own_port_and_nothing_else_is()
    {
        var metrics = await MetricsScrape.GetAsync(metricsPort);
        Assert.Multiple(() =>
        {
            Assert.That(metrics.Value("federation_migrations_total", "outcome", "completed"), Is.EqualTo(0));
            Assert.That(metrics.Value("federation_migration_downtime_seconds_count"), Is.EqualTo(0));
            Assert.That(metrics.Value("federation_migration_downtime_seconds_bucket", "le", "+Inf"), Is.EqualTo(0));
            Assert.That(metrics.Value("federation_migration_bytes_sent_total"), Is.EqualTo(0));
            Assert.That(metrics.Value("federation_policy_decisions_total", "kind", "balance"), Is.EqualTo(0));
            Assert.That(metrics.Text, Does.Contain("# TYPE federation_migration_downtime_seconds histogram"));
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var other = await http.GetAsync($"http://127.0.0.1:{metricsPort}/grpc.health.v1.Health/Check");
        Assert.That((int)other.StatusCode, Is.EqualTo(404), "the metrics port serves /metrics only");
    }

    [Test, Order(1)]
    public async Task The_policy_file_is_in_force_from_the_start_and_fedctl_policy_show_prints_it()
    {
        var (code, output, error) = await Fedctl.RunAsync(Config(), "policy", "show");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain($"source: file {policyPath}").And.Contain("edge offload on cpu: above 0.8").And.Contain("dry run").And.Contain("upper: 0.8"));
    }

    [Test, Order(2)]
    public async Task A_dry_run_decision_is_logged_with_its_reason_explained_and_counted_but_nothing_moves()
    {
        var decisions = await edge.Services.GetRequiredService<PolicyEvaluator>().EvaluateOnceAsync(CancellationToken.None);
        var offload = decisions.Single();
        Assert.That((offload.Kind, offload.Workload, offload.Destination), Is.EqualTo((DecisionKind.Offload, "shop/cart", "cloud")));
        Assert.That((await edge.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations, Is.Empty, "a dry run moves nothing");

        var (code, output, error) = await Fedctl.RunAsync(Config(), "policy", "explain");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain("pressure: cpu 0.95, memory 0.5, workloads 0.25"));
        var row = output.Split('\n').Single(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "offload", ..]);
        Assert.That(row, Does.Contain("shop/cart").And.Contain("edge").And.Contain("cloud").And.Contain("yes")
            .And.Contain("cpu pressure 0.95 above 0.8 for 0ms").And.Contain("'cloud' has the most headroom (0.9)"));

        var metrics = await MetricsScrape.GetAsync(metricsPort);
        Assert.Multiple(() =>
        {
            Assert.That(metrics.Value("federation_policy_decisions_total", "kind", "offload"), Is.EqualTo(1));
            Assert.That(metrics.Value("federation_cluster_pressure", "resource", "cpu"), Is.EqualTo(0.95).Within(1e-9));
            Assert.That(metrics.Value("federation_peer_reachable", "peer", "cloud"), Is.EqualTo(1));
        });

        await edge.Services.GetRequiredService<PolicyEvaluator>().EvaluateOnceAsync(CancellationToken.None);
        Assert.That((await MetricsScrape.GetAsync(metricsPort)).Value("federation_policy_decisions_total", "kind", "offload"), Is.EqualTo(1),
            "the same decision again is not recorded twice");
    }

    [Test, Order(3)]
    public async Task A_bad_policy_file_is_refused_one_line_per_mistake_and_the_previous_policy_stays()
    {
        var before = Store.Current;
        await File.WriteAllTextAsync(policyPath, "edge-offload:\n  resource: cpu\n  upper: 0.6\n  lower: 0.7\n  window: -1m\n  colour: red\n");
        await Eventually.WaitAsync(() => Task.FromResult(edge.Services.GetRequiredService<PolicyEvents>().List().Any(e => e.Kind == "policy-refused")),
            "the watcher reads the changed file", seconds: 20);
        Assert.That(Store.Current, Is.SameAs(before), "the previous policy stays in force");
        var refused = edge.Services.GetRequiredService<PolicyEvents>().List().Last(e => e.Kind == "policy-refused");
        Assert.That(refused.Reason, Does.Contain("3 mistake(s)"));
        Assert.That(refused.Reason, Does.Contain("unknown field 'colour'").And.Contain("edge-offload.window -1m is negative"));

        var (code, output, error) = await Fedctl.RunAsync(Config(), "policy", "explain");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain("policy-refused").And.Contain($"source: file {policyPath}"));
    }

    [Test, Order(4)]
    public async Task Fedctl_policy_set_refuses_a_bad_file_one_line_per_mistake_and_puts_a_good_one_in_force()
    {
        var bad = Path.Combine(directory, "bad.yaml");
        await File.WriteAllTextAsync(bad, "balance: {margin: 2}\nguards: {max-concurrent-migrations: 0, speed: 1}\n");
        var (code, _, error) = await Fedctl.RunAsync(Config(), "policy", "set", "-f", bad);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(4), error);
        Assert.That(lines[0], Does.Contain("line 1: balance.margin 2 is out of range"));
        Assert.That(lines[1..3], Has.Some.Contain("line 2: unknown field 'speed' in guards").And.Some.Contain("guards.max-concurrent-migrations '0'"));
        Assert.That(lines[3], Does.Contain("policy refused (3 mistake(s)); the policy in force stays: edge offload on cpu"));

        var good = Path.Combine(directory, "good.yaml");
        await File.WriteAllTextAsync(good, "balance: {margin: 0.25}\n");
        var (setCode, output, setError) = await Fedctl.RunAsync(Config(), "policy", "set", "-f", good);
        Assert.That(setCode, Is.EqualTo(ExitCodes.Ok), setError);
        Assert.That(output, Does.Contain("balance on cpu: margin 0.25"));
        Assert.That(Store.Current.Policy.Balance, Is.EqualTo(new BalancePolicy(PressureResource.Cpu, 0.25)));
        Assert.That(await File.ReadAllTextAsync(policyPath), Is.EqualTo("balance: {margin: 0.25}\n"), "written to the watched file, so a restart keeps it");
    }

    [Test, Order(5)]
    public async Task A_decision_that_is_not_a_dry_run_starts_the_same_migration_a_manual_move_does()
    {
        Store.Apply(DryRunOffload.Replace("dry-run: true", "dry-run: false", StringComparison.Ordinal), "test");
        await edge.Services.GetRequiredService<PolicyEvaluator>().EvaluateOnceAsync(CancellationToken.None);
        // The fake workload's Engine (127.0.0.1:1) does not answer: the saga refuses it as it refuses a manual move, and says so.
        var migration = (await edge.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations.Single();
        Assert.That(migration.InitiatedBy, Does.StartWith("policy offload: cpu pressure 0.95 above 0.8"));
        Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.RolledBack));
        var decision = edge.Services.GetRequiredService<PolicyEvents>().List().Last(e => e.Kind == "offload");
        Assert.That(decision.DryRun, Is.True, "refused: only logged");
        Assert.That(decision.Reason, Does.Contain("the migration was refused"));
        var (code, described, error) = await Fedctl.RunAsync(Config(), "describe", "migration", migration.Id);
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(described, Does.Contain("Started by:   policy offload: cpu pressure 0.95 above 0.8"));
        var metrics = await MetricsScrape.GetAsync(metricsPort);
        Assert.That(metrics.Value("federation_migrations_total", "outcome", "rolled_back"), Is.EqualTo(1));
        Assert.That(metrics.Value("federation_migrations_total", "outcome", "completed"), Is.EqualTo(0));
    }

    [Test, Order(6)]
    public async Task The_adapters_labels_set_priority_and_opt_out_and_a_bad_value_does_not_stop_the_evaluation()
    {
        Store.Apply(DryRunOffload, "test");
        var cart = new WorkloadId("shop", "cart");
        var other = new WorkloadId("shop", "other");
        try
        {
            edgeAdapter.Put(await edgeAdapter.GetWorkloadAsync(cart, CancellationToken.None) is { } c
                ? c with { Labels = new Dictionary<string, string> { ["federation.io/no-offload"] = "true" } } : throw new InvalidOperationException("no cart"));
            var decisions = await edge.Services.GetRequiredService<PolicyEvaluator>().EvaluateOnceAsync(CancellationToken.None);
            Assert.That(decisions.Select(d => (d.Kind, d.Workload)), Is.EqualTo(new[] { (DecisionKind.Offload, "shop/other") }), "cart opted out");

            edgeAdapter.Put((await edgeAdapter.GetWorkloadAsync(cart, CancellationToken.None))! with { Labels = new Dictionary<string, string> { ["federation.io/priority"] = "-1" } });
            edgeAdapter.Put((await edgeAdapter.GetWorkloadAsync(other, CancellationToken.None))! with { Labels = new Dictionary<string, string> { ["federation.io/priority"] = "high" } });
            decisions = await edge.Services.GetRequiredService<PolicyEvaluator>().EvaluateOnceAsync(CancellationToken.None);
            Assert.That(decisions.Select(d => (d.Kind, d.Workload)), Is.EqualTo(new[] { (DecisionKind.Offload, "shop/cart") }),
                "priority -1 moves before the bad value's 0");
            Assert.That(decisions.Single().Reason, Does.Contain("shop/cart (priority -1)"));
        }
        finally
        {
            edgeAdapter.Add(cart, new Uri("http://127.0.0.1:1"));
            edgeAdapter.Add(other, new Uri("http://127.0.0.1:1"));
        }
    }
}
