using Federation.V1;
using Grpc.Core;

namespace Federation.KubeMigration.Tests;

/// <summary>What the tests of this assembly do the same way: deploy the test app, move it, remove it everywhere, judge what the client saw.</summary>
public static class Moves
{
    public const string Ns = "default";

    public static Task<Workload> DeployAsync(CoordinatorNode node, string name) =>
        node.Client.DeployAsync(new DeployRequest
        {
            Ref = new WorkloadRef { Namespace = Ns, Name = name },
            Spec = TestApp.Spec(name, FederatedClusters.AppImage, mib: 48, dirtyKib: 16),
        }).ResponseAsync;

    /// <summary>Moves the workload to cluster <paramref name="to"/> and waits for the end of the migration (bounded); writes its phases.</summary>
    public static async Task<Migration> MoveAsync(CoordinatorNode from, string to, string name, string ns = Ns)
    {
        var started = await from.Client.MigrateAsync(new MigrateRequest
        {
            Workload = $"{ns}/{name}",
            Destination = to,
            Options = new MigrationOptions { PrecopyRounds = 2 },
        });
        var migration = await from.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(4));
        Report(migration);
        return migration;
    }

    /// <summary>Deletes the workload wherever it is (after a failed test).</summary>
    public static async Task RemoveEverywhereAsync(string name, string ns = Ns)
    {
        foreach (var node in new[] { FederatedClusters.Edge, FederatedClusters.Cloud, FederatedClusters.Dock, FederatedClusters.Mesos })
        {
            try { await node.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Workload = new WorkloadRef { Namespace = ns, Name = name } }); }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound) { }
        }
    }

    /// <summary>The client read one process all along, its counter never went back, no request failed.</summary>
    public static void AssertOneUnbrokenProcess(StableClient client, TestAppStatus first)
    {
        var answers = client.Answers.Select(a => a.Status).ToList();
        TestContext.Out.WriteLine($"client: {answers.Count} answers, {client.Failures.Count} failures, longest request {client.LongestRequest.TotalMilliseconds:F0} ms");
        Assert.Multiple(() =>
        {
            Assert.That(client.Failures, Is.Empty, "no request through the stable address failed");
            Assert.That(answers, Has.Count.GreaterThan(20));
            Assert.That(answers.Select(a => a.Seed).Distinct(), Is.EquivalentTo(new[] { first.Seed }), "one process all along: its memory came along");
            Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
        });
    }

    /// <summary>Every page of the app matches its version and the memory checksum matches.</summary>
    public static async Task AssertMemoryIntactAsync(int port, string where)
    {
        var verify = await TestApp.AskAsync(port, "VERIFY");
        var sum = await TestApp.AskAsync(port, "SUM");
        Assert.Multiple(() =>
        {
            Assert.That(verify.Fields["verify"], Is.EqualTo("ok"), $"every page matches {where}");
            Assert.That(sum.Fields["memsum"], Is.EqualTo(sum.Checksum), $"the memory checksum matches {where}");
        });
    }

    public static void Report(Migration m)
    {
        TestContext.Out.WriteLine($"migration {m.Id} {m.SourceCluster} -> {m.DestinationCluster}: {m.Phase} {m.Error}");
        foreach (var p in m.Phases) TestContext.Out.WriteLine($"  {p.Phase,-16} {p.Duration?.ToTimeSpan().TotalMilliseconds,8:F0} ms");
        TestContext.Out.WriteLine($"  downtime {m.Downtime?.ToTimeSpan().TotalMilliseconds:F0} ms, traffic hold {m.TrafficHold?.ToTimeSpan().TotalMilliseconds:F0} ms");
    }
}
