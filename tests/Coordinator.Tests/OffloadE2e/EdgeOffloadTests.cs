using Federation.Cli;
using Federation.Coordinator.Policy;
using Federation.Coordinator.Tests.E2e;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.OffloadE2e;

/// <summary>
/// Edge offload end to end (issue 12), real Docker and CRIU: two local Docker-host clusters, "edge" limited to two workloads
/// (its pressure is workloads over slots) and "cloud". Edge's policy (a file it watches, evaluated every second) offloads
/// above 0.75 for 2 s and brings home below 0.25 for 4 s. The test app runs in edge with a client reading through its stable
/// address; a second workload ("load", pinned by hand so the policy never moves it) raises edge's pressure to 1; the policy moves
/// the app to cloud; the load is deleted (pressure 0); after the longer window the policy of edge asks cloud to send the app back,
/// and cloud does. No client request fails, the app's memory and counter come along both ways, and edge's policy events carry
/// the numbers; the app's own CPU and memory are measured through its Engine. Its own coordinators and prefix (FEDTEST_CLUSTER_PREFIX + "off"), so it needs none of E2e's clusters.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class EdgeOffloadTests
{
    private const string Policy = """
        edge-offload:
          resource: workloads
          upper: 0.75
          window: 2s
          lower: 0.25
          lower-window: 4s
          cooldown: 1s
        guards:
          max-concurrent-migrations: 1
          cooldown: 1s
        """;

    private readonly string prefix = (Environment.GetEnvironmentVariable("FEDTEST_CLUSTER_PREFIX") is { Length: > 0 } p ? p : "fedtest-co") + "off";
    private CoordinatorNode edge = null!;
    private CoordinatorNode cloud = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = await PolicyClusters.PrepareAsync(prefix);
        var policyPath = Path.Combine(directory, "edge-policy.yaml");
        await File.WriteAllTextAsync(policyPath, Policy);
        int portEdge = FreePort.Next(), portCloud = FreePort.Next();
        edge = Node("edge", portEdge, ("cloud", portCloud), ["--max-workloads=2", "--policy", policyPath, "--Coordinator:Policy:EvaluationInterval=00:00:01"]);
        cloud = Node("cloud", portCloud, ("edge", portEdge), []);
        await Task.WhenAll(edge.StartAsync(), cloud.StartAsync());
    }

    [OneTimeTearDown]
    public Task StopAsync() => PolicyClusters.RemoveAsync([edge, cloud], prefix, directory);

    private CoordinatorNode Node(string cluster, int port, (string Name, int Port) peer, string[] extra) =>
        new(cluster, port, directory, PolicyClusters.Settings(prefix, [peer], extra));

    private IReadOnlyList<PolicyEvent> EdgeEvents(string kind) =>
        edge.Services.GetRequiredService<PolicyEvents>().List().Where(e => e.Kind == kind).ToList();

    [Test]
    public async Task Under_pressure_the_app_moves_to_the_cloud_and_comes_home_when_the_load_is_gone_with_its_state_and_no_failed_request()
    {
        var app = await edge.Client.DeployAsync(new DeployRequest
        {
            Ref = new V1.WorkloadRef { Namespace = "default", Name = "app" },
            Spec = TestApp.Spec("app", TestEnvironment.TestAppImage, 32, 16),
        });
        var port = int.Parse(app.StableAddress.Split(':')[1]);
        var first = await TestApp.WaitAsync(port, "VERIFY");
        await using var client = new StableClient(port, TimeSpan.FromMinutes(4));

        // Per-workload signals: edge's sampler reads the app's own use through its Engine (32 MiB allocated and written).
        var usage = edge.Services.GetRequiredService<Signals.WorkloadUsage>();
        var appId = new Adapters.WorkloadId("default", "app");
        await Federation.Tests.Shared.Eventually.WaitAsync(() => Task.FromResult(usage.Of(appId)?.Cores is not null),
            "two readings of the app's use through its Engine", seconds: 30);
        Assert.That(usage.Of(appId)!.MemoryBytes, Is.GreaterThan(24.0 * (1 << 20)), "the app's 32 MiB show in its measured memory");
        var config = Fedctl.WriteConfig(directory, "edge", edge, cloud);
        var (explainCode, explained, explainError) = await Fedctl.RunAsync(config, "policy", "explain");
        Assert.That(explainCode, Is.EqualTo(ExitCodes.Ok), explainError);
        Assert.That(explained.Split('\n').Single(l => l.StartsWith("default/app ", StringComparison.Ordinal)), Does.Contain(" measured"), explained);

        // Load: a second workload fills edge's two slots (pressure 1). Pinned, so the policy never picks it.
        await edge.Client.DeployAsync(new DeployRequest
        {
            Ref = new V1.WorkloadRef { Namespace = "default", Name = "load" },
            Spec = TestApp.Spec("load", TestEnvironment.TestAppImage, 8, 0),
        });
        var (pinCode, _, pinError) = await Fedctl.RunAsync(config, "pin", "default/load", "--note", "the load stays");
        Assert.That(pinCode, Is.EqualTo(ExitCodes.Ok), pinError);

        var offload = await PolicyClusters.WaitForPolicyMigrationAsync(edge, "policy offload:");
        MigrationTests.Report(offload, client);
        Assert.That(offload.Phase, Is.EqualTo(MigrationPhase.Completed), offload.Error);
        Assert.That((offload.Workload.Name, offload.SourceCluster, offload.DestinationCluster), Is.EqualTo(("app", "edge", "cloud")));
        Assert.That((await cloud.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Single(w => w.Ref.Name == "app").Role, Is.EqualTo(WorkloadRole.Active));
        var inCloud = await TestApp.AskAsync(port, "VERIFY");

        // The load drops: edge's pressure goes to 0, and after the longer window the app comes home.
        await edge.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Workload = new V1.WorkloadRef { Namespace = "default", Name = "load" } });
        var comeback = await PolicyClusters.WaitForPolicyMigrationAsync(cloud, "policy return of cluster 'edge':");
        MigrationTests.Report(comeback, client);
        await client.StopAsync();

        var after = await TestApp.AskAsync(port, "VERIFY");
        var sum = await TestApp.AskAsync(port, "SUM");
        var answers = client.Answers.Select(a => a.Status).ToList();
        var offloads = EdgeEvents("offload").Where(e => !e.DryRun).ToList();
        var returns = EdgeEvents("return").Where(e => !e.DryRun).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(comeback.Phase, Is.EqualTo(MigrationPhase.Completed), comeback.Error);
            Assert.That((comeback.Workload.Name, comeback.SourceCluster, comeback.DestinationCluster), Is.EqualTo(("app", "cloud", "edge")));
            Assert.That(client.Failures, Is.Empty, "no client request failed during either move");
            Assert.That(answers.Select(a => a.Seed).Distinct(), Is.EquivalentTo(new[] { first.Seed }), "one process all along");
            Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
            Assert.That(inCloud.Fields["verify"], Is.EqualTo("ok"), "memory intact in the cloud");
            Assert.That(after.Fields["verify"], Is.EqualTo("ok"), "memory intact at home again");
            Assert.That(sum.Fields["memsum"], Is.EqualTo(sum.Checksum), "the memory checksum matches");
            Assert.That(after.Counter, Is.GreaterThan(inCloud.Counter).And.GreaterThan(first.Counter), "the counter continued");

            Assert.That(offloads, Has.Count.EqualTo(1), "one offload, no ping-pong");
            Assert.That(offloads[0].Reason, Does.StartWith("workloads pressure 1 above 0.75 for 2s; default/app (priority 0) holds 0.5; 'cloud' has the most headroom")
                .And.Contain("pressure here after: 0.5").And.EndWith($"migration {offload.Id} started"));
            Assert.That(returns, Has.Count.EqualTo(1), "one return");
            Assert.That(returns[0].Reason, Does.StartWith("workloads pressure 0 below 0.25 for 4s; default/app comes home from 'cloud' with 0.5; pressure here after: 0.5")
                .And.EndWith($"'cloud' started migration {comeback.Id}"));
            Assert.That(returns[0].At, Is.GreaterThan(offloads[0].At));
            Assert.That(comeback.InitiatedBy, Does.Contain("workloads pressure 0 below 0.25 for 4s"));
        });
        var home = (await edge.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads;
        Assert.That(home.Select(w => (w.Ref.Name, w.Role)), Is.EquivalentTo(new[] { ("app", WorkloadRole.Active) }), "the app is home, the load gone");
    }
}
