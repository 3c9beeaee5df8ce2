using Federation.V1;
using Grpc.Core;

namespace Federation.KubeMigration.Tests;

/// <summary>
/// A live pod moves from an edge K3s cluster to a Kubernetes cluster and back, each side driven by its own coordinator
/// (K3s adapter, Kubernetes adapter), while a client reads it through the Service of its home cluster. Real Docker, runc
/// and CRIU run the pods; the API servers are the test harness's.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class KubeToKubeTests
{
    private const string Ns = "default";

    [SetUp]
    public void ForgetEarlierLogs() => FederatedClusters.Logs.Values.ToList().ForEach(l => l.Messages.Clear());

    [TearDown]
    public void ShowLogsOfAFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed) FederatedClusters.WriteLogs();
    }

    [Test]
    public async Task A_live_pod_moves_from_K3s_to_Kubernetes_and_back_while_a_client_reads_it_through_the_Service()
    {
        const string name = "edge-counter";
        var edge = FederatedClusters.EdgeCluster;
        var cloud = FederatedClusters.CloudCluster;
        await FederatedClusters.Edge.Client.DeployAsync(new DeployRequest
        {
            Ref = new WorkloadRef { Namespace = Ns, Name = name },
            Spec = TestApp.Spec(name, FederatedClusters.AppImage, mib: 48, dirtyKib: 16),
        });
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var service = await edge.WaitForServiceAsync(Ns, name, TestApp.Port, wait.Token);
            var port = int.Parse(service.Split(':')[1]);
            var first = await TestApp.WaitAsync(port, "VERIFY");
            var (edgePod, edgeController) = await ClusterTruth.TheRunningPodAsync(edge, Ns, name);
            Assert.That(edgeController, Is.EqualTo($"replicaset/{name}-federation"), "the coordinator's ReplicaSet heals the deployed pod");

            await using var client = new StableClient(port, TimeSpan.FromMinutes(6));
            var there = await MoveAsync(FederatedClusters.Edge, "cloud", name);
            var (cloudPod, cloudController) = await ClusterTruth.TheRunningPodAsync(cloud, Ns, name);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(there.Phase, Is.EqualTo(MigrationPhase.Completed), there.Error);
                Assert.That(await ClusterTruth.RuntimePodsAsync(edge, Ns, name), Is.Empty, "the K3s pod is gone");
                Assert.That(await ClusterTruth.ControllersOfAsync(edge, Ns, name), Is.Empty, "nothing in K3s would recreate it");
                Assert.That(cloudController, Is.EqualTo($"replicaset/{name}-federation"), "a ReplicaSet in Kubernetes heals the restored pod");
                Assert.That(cloudPod.Metadata.Labels["federation.io/role"], Is.EqualTo("active"));
            });
            var midway = await TestApp.AskAsync(port, "VERIFY");

            var back = await MoveAsync(FederatedClusters.Cloud, "edge", name);
            await client.StopAsync();
            var (homePod, homeController) = await ClusterTruth.TheRunningPodAsync(edge, Ns, name);
            var after = await TestApp.AskAsync(port, "VERIFY");
            var sum = await TestApp.AskAsync(port, "SUM");
            var answers = client.Answers.Select(a => a.Status).ToList();
            TestContext.Out.WriteLine($"client: {answers.Count} answers, {client.Failures.Count} failures, longest request {client.LongestRequest.TotalMilliseconds:F0} ms");
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(back.Phase, Is.EqualTo(MigrationPhase.Completed), back.Error);
                Assert.That(client.Failures, Is.Empty, "no request through the Service failed");
                Assert.That(answers, Has.Count.GreaterThan(20));
                Assert.That(answers.Select(a => a.Seed).Distinct(), Is.EquivalentTo(new[] { first.Seed }), "one process all along: its memory came along both ways");
                Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
                Assert.That(midway.Fields["verify"], Is.EqualTo("ok"), "every page matches in Kubernetes");
                Assert.That(after.Fields["verify"], Is.EqualTo("ok"), "every page matches back in K3s");
                Assert.That(sum.Fields["memsum"], Is.EqualTo(sum.Checksum), "the memory checksum matches");
                Assert.That(after.Counter, Is.GreaterThan(midway.Counter));
                Assert.That(homePod.Metadata.Name, Is.Not.EqualTo(edgePod.Metadata.Name), "a new pod in K3s, restored from the checkpoint");
                Assert.That(homeController, Is.EqualTo($"replicaset/{name}-federation"));
                Assert.That(await ClusterTruth.RuntimePodsAsync(cloud, Ns, name), Is.Empty, "the Kubernetes pod is gone");
                Assert.That(await ClusterTruth.ControllersOfAsync(cloud, Ns, name), Is.Empty, "nothing in Kubernetes would recreate it");
            });
        }
        finally
        {
            await RemoveAsync(name);
        }
    }

    private static async Task<Migration> MoveAsync(CoordinatorNode from, string to, string name)
    {
        var started = await from.Client.MigrateAsync(new MigrateRequest
        {
            Workload = $"{Ns}/{name}",
            Destination = to,
            Options = new MigrationOptions { PrecopyRounds = 2 },
        });
        var migration = await from.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(4));
        Report(migration);
        return migration;
    }

    private static async Task RemoveAsync(string name)
    {
        foreach (var node in new[] { FederatedClusters.Edge, FederatedClusters.Cloud })
        {
            try { await node.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Workload = new WorkloadRef { Namespace = Ns, Name = name } }); }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound) { }
        }
    }

    public static void Report(Migration m)
    {
        TestContext.Out.WriteLine($"migration {m.Id} {m.SourceCluster} -> {m.DestinationCluster}: {m.Phase} {m.Error}");
        foreach (var p in m.Phases) TestContext.Out.WriteLine($"  {p.Phase,-16} {p.Duration?.ToTimeSpan().TotalMilliseconds,8:F0} ms");
        TestContext.Out.WriteLine($"  downtime {m.Downtime?.ToTimeSpan().TotalMilliseconds:F0} ms, traffic hold {m.TrafficHold?.ToTimeSpan().TotalMilliseconds:F0} ms");
    }
}
