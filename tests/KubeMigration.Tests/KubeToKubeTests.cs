using Federation.V1;

namespace Federation.KubeMigration.Tests;

/// <summary>
/// A live pod moves from an edge K3s cluster to a Kubernetes cluster and back, each side driven by its own coordinator
/// (K3s adapter, Kubernetes adapter), while a client reads it through the Service of its home cluster. Real Docker, runc
/// and CRIU run the pods; the API servers are the test harness's.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class KubeToKubeTests : FederationFixture
{
    [Test]
    public async Task A_live_pod_moves_from_K3s_to_Kubernetes_and_back_while_a_client_reads_it_through_the_Service()
    {
        const string name = "edge-counter", ns = Moves.Ns;
        var edge = FederatedClusters.EdgeCluster;
        var cloud = FederatedClusters.CloudCluster;
        await Moves.DeployAsync(FederatedClusters.Edge, name);
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var port = int.Parse((await edge.WaitForServiceAsync(ns, name, TestApp.Port, wait.Token)).Split(':')[1]);
            var first = await TestApp.WaitAsync(port, "VERIFY");
            var (edgePod, edgeController) = await ClusterTruth.TheRunningPodAsync(edge, ns, name);
            Assert.That(edgeController, Is.EqualTo($"replicaset/{name}-federation"), "the coordinator's ReplicaSet heals the deployed pod");

            await using var client = new StableClient(port, TimeSpan.FromMinutes(6));
            var there = await Moves.MoveAsync(FederatedClusters.Edge, "cloud", name);
            Assert.That(there.Phase, Is.EqualTo(MigrationPhase.Completed), there.Error);
            var (cloudPod, cloudController) = await ClusterTruth.TheRunningPodAsync(cloud, ns, name);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(await ClusterTruth.RuntimePodsAsync(edge, ns, name), Is.Empty, "the K3s pod is gone");
                Assert.That(await ClusterTruth.ControllersOfAsync(edge, ns, name), Is.Empty, "nothing in K3s would recreate it");
                Assert.That(cloudController, Is.EqualTo($"replicaset/{name}-federation"), "a ReplicaSet in Kubernetes heals the restored pod");
                Assert.That(cloudPod.Metadata.Labels["federation.io/role"], Is.EqualTo("active"));
                Assert.That(await ClusterTruth.KubectlPodsAsync(edge, ns, name), Is.Empty, "kubectl in K3s lists no pod of it");
                Assert.That(await ClusterTruth.KubectlPodsAsync(cloud, ns, name), Is.EqualTo(new[] { cloudPod.Metadata.Name }), "kubectl in Kubernetes lists its pod");
            });
            await Moves.AssertMemoryIntactAsync(port, "in Kubernetes");
            var midway = await TestApp.AskAsync(port);

            var back = await Moves.MoveAsync(FederatedClusters.Cloud, "edge", name);
            await client.StopAsync();
            Assert.That(back.Phase, Is.EqualTo(MigrationPhase.Completed), back.Error);
            var (homePod, homeController) = await ClusterTruth.TheRunningPodAsync(edge, ns, name);
            Moves.AssertOneUnbrokenProcess(client, first);
            await Moves.AssertMemoryIntactAsync(port, "back in K3s");
            await Assert.MultipleAsync(async () =>
            {
                Assert.That((await TestApp.AskAsync(port)).Counter, Is.GreaterThan(midway.Counter));
                Assert.That(homePod.Metadata.Name, Is.Not.EqualTo(edgePod.Metadata.Name), "a new pod in K3s, restored from the checkpoint");
                Assert.That(homeController, Is.EqualTo($"replicaset/{name}-federation"));
                Assert.That(await ClusterTruth.RuntimePodsAsync(cloud, ns, name), Is.Empty, "the Kubernetes pod is gone");
                Assert.That(await ClusterTruth.ControllersOfAsync(cloud, ns, name), Is.Empty, "nothing in Kubernetes would recreate it");
            });
        }
        finally
        {
            await Moves.RemoveEverywhereAsync(name);
        }
    }
}
