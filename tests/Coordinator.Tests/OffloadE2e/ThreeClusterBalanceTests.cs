using Federation.Cli;
using Federation.Coordinator.Policy;
using Federation.Coordinator.Tests.E2e;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.OffloadE2e;

/// <summary>
/// The balancer end to end (issue 12), real Docker and CRIU: three local Docker-host clusters a, b and c, all peers of one
/// another, three slots each (pressure = workloads over slots: CPU on two shared cores is too noisy to converge on). Cluster a
/// holds three running test apps (pressure 1), b and c none. Once all three run, a's balance policy (margin 0.34) is set with
/// fedctl: a sends one app to b, then (b's reading not yet showing the first, so b is no receiver) one to c, and the three
/// clusters hold a third each, within the margin. Every app keeps its process and memory, each moved once, no client request
/// to the moved apps failed, and further evaluations on every cluster move nothing more. Its own coordinators and prefix
/// (FEDTEST_CLUSTER_PREFIX + "bal").
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class ThreeClusterBalanceTests
{
    private const string BalancePolicy = """
        balance:
          resource: workloads
          margin: 0.34
        guards:
          max-concurrent-migrations: 1
          cooldown: 10m
        """;

    private static readonly string[] Apps = ["w1", "w2", "w3"];

    private readonly string prefix = (Environment.GetEnvironmentVariable("FEDTEST_CLUSTER_PREFIX") is { Length: > 0 } p ? p : "fedtest-co") + "bal";
    private readonly Dictionary<string, CoordinatorNode> nodes = new(StringComparer.Ordinal);
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = await PolicyClusters.PrepareAsync(prefix);
        var ports = new Dictionary<string, int> { ["a"] = FreePort.Next(), ["b"] = FreePort.Next(), ["c"] = FreePort.Next() };
        foreach (var (cluster, port) in ports)
        {
            var policyPath = Path.Combine(directory, $"{cluster}-policy.yaml");
            // b and c balance too (their own workloads, none at first); a's policy is set once its three apps run.
            await File.WriteAllTextAsync(policyPath, cluster == "a" ? "" : BalancePolicy);
            nodes[cluster] = new CoordinatorNode(cluster, port, directory, PolicyClusters.Settings(prefix,
                ports.Where(p => p.Key != cluster).Select(p => (p.Key, p.Value)),
                ["--max-workloads=3", "--policy", policyPath, "--Coordinator:Policy:EvaluationInterval=00:00:01"]));
        }
        await Task.WhenAll(nodes.Values.Select(n => n.StartAsync()));
    }

    [OneTimeTearDown]
    public Task StopAsync() => PolicyClusters.RemoveAsync(nodes.Values, prefix, directory);

    [Test]
    public async Task Three_clusters_with_uneven_load_converge_within_the_margin_and_no_workload_moves_twice()
    {
        var a = nodes["a"];
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        var seeds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var app in Apps)
        {
            var deployed = await a.Client.DeployAsync(new DeployRequest
            {
                Ref = new V1.WorkloadRef { Namespace = "default", Name = app },
                Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, 16, 16),
            });
            ports[app] = int.Parse(deployed.StableAddress.Split(':')[1]);
            seeds[app] = (await TestApp.WaitAsync(ports[app], "VERIFY")).Seed;
        }
        var clients = Apps.ToDictionary(app => app, app => new StableClient(ports[app], TimeSpan.FromMinutes(4)), StringComparer.Ordinal);
        try
        {
            var config = Fedctl.WriteConfig(directory, "a", nodes["a"], nodes["b"], nodes["c"]);
            var policyFile = Path.Combine(directory, "balance.yaml");
            await File.WriteAllTextAsync(policyFile, BalancePolicy);
            var (setCode, _, setError) = await Fedctl.RunAsync(config, "policy", "set", "-f", policyFile);
            Assert.That(setCode, Is.EqualTo(ExitCodes.Ok), setError);

            // Two moves out of a, one at a time, each of another app.
            var moves = new List<Migration>();
            for (var i = 0; i < 2; i++)
            {
                var migration = await PolicyClusters.WaitForPolicyMigrationAsync(a, "policy balance:", moves.Select(m => m.Id).ToHashSet());
                MigrationTests.Report(migration, clients[migration.Workload.Name]);
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                moves.Add(migration);
            }
            foreach (var client in clients.Values) await client.StopAsync();

            // Converged: every coordinator evaluates again and decides no move.
            foreach (var node in nodes.Values)
            {
                var decisions = await node.Services.GetRequiredService<PolicyEvaluator>().EvaluateOnceAsync(CancellationToken.None);
                Assert.That(decisions.Where(d => d.Kind == DecisionKind.Balance), Is.Empty,
                    $"'{node.Cluster}' still wants to move: {string.Join("; ", decisions.Select(d => d.Reason))}");
            }
            var placed = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var node in nodes.Values)
            {
                foreach (var w in (await node.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Where(w => w.Role == WorkloadRole.Active))
                    placed[w.Ref.Name] = node.Cluster;
            }
            var all = (await a.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations;
            var events = a.Services.GetRequiredService<PolicyEvents>().List().Where(e => e.Kind == "balance" && !e.DryRun).ToList();
            Assert.Multiple(async () =>
            {
                Assert.That(moves.Select(m => m.DestinationCluster), Is.EquivalentTo(new[] { "b", "c" }), "one app to each of the idle clusters");
                Assert.That(moves.Select(m => m.Workload.Name).Distinct().Count(), Is.EqualTo(2), "two different apps moved");
                Assert.That(all, Has.Count.EqualTo(2), "no other migration, and none moved twice");
                Assert.That(placed.Values.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count()),
                    Is.EquivalentTo(new Dictionary<string, int> { ["a"] = 1, ["b"] = 1, ["c"] = 1 }), "a third of the slots each: within the margin");
                Assert.That(events, Has.Count.EqualTo(2), "two balance decisions carried out");
                Assert.That(events[0].Reason, Does.StartWith("workloads: busiest 'a' 1, least busy 'b' 0, difference 1 > margin 0.34"));
                Assert.That(events[1].Reason, Does.StartWith("workloads: busiest 'a' 0.667, least busy 'c' 0, difference 0.667 > margin 0.34"));
                foreach (var app in Apps)
                {
                    var status = await TestApp.AskAsync(ports[app], "VERIFY");
                    Assert.That(status.Seed, Is.EqualTo(seeds[app]), $"{app}: one process all along");
                    Assert.That(status.Fields["verify"], Is.EqualTo("ok"), $"{app}: memory intact");
                    Assert.That(clients[app].Failures, Is.Empty, $"{app}: no client request failed");
                }
            });
        }
        finally
        {
            foreach (var client in clients.Values) await client.DisposeAsync();
        }
    }
}
