using Federation.V1;

namespace Federation.KubeMigration.Tests;

/// <summary>
/// Cross-orchestrator moves through the same core: a workload of a plain Docker host moves into a Kubernetes cluster and
/// back while a client reads it through the Docker host's stable address (the Docker-host relay forwards to the Kubernetes
/// node port in between); and a Kubernetes workload moves to a Docker host and back while a client reads it through its
/// Service (the cluster's relay pod forwards to the Docker host's runtime network in between).
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class DockerAndKubeTests : FederationFixture
{
    [Test]
    public async Task A_live_app_moves_from_a_Docker_host_to_Kubernetes_and_back_while_a_client_reads_it()
    {
        const string name = "dock-counter", ns = Moves.Ns;
        var cloud = FederatedClusters.CloudCluster;
        var deployed = await Moves.DeployAsync(FederatedClusters.Dock, name);
        try
        {
            var port = int.Parse(deployed.StableAddress.Split(':')[1]);
            var first = await TestApp.WaitAsync(port, "VERIFY");
            await using var client = new StableClient(port, TimeSpan.FromMinutes(6));

            var there = await Moves.MoveAsync(FederatedClusters.Dock, "cloud", name);
            Assert.That(there.Phase, Is.EqualTo(MigrationPhase.Completed), there.Error);
            var (cloudPod, cloudController) = await ClusterTruth.TheRunningPodAsync(cloud, ns, name);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That((await FederatedClusters.Dock.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Select(w => w.Ref.Name),
                    Does.Not.Contain(name), "the Docker host's runtime is gone");
                Assert.That(cloudController, Is.EqualTo($"replicaset/{name}-federation"), "a ReplicaSet in Kubernetes heals the restored pod");
                Assert.That(await ClusterTruth.KubectlPodsAsync(cloud, ns, name), Is.EqualTo(new[] { cloudPod.Metadata.Name }), "kubectl lists its pod");
            });
            await Moves.AssertMemoryIntactAsync(port, "in Kubernetes");

            var back = await Moves.MoveAsync(FederatedClusters.Cloud, "dock", name);
            await client.StopAsync();
            Assert.That(back.Phase, Is.EqualTo(MigrationPhase.Completed), back.Error);
            Moves.AssertOneUnbrokenProcess(client, first);
            await Moves.AssertMemoryIntactAsync(port, "back on the Docker host");
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(await ClusterTruth.RuntimePodsAsync(cloud, ns, name), Is.Empty, "the Kubernetes pod is gone");
                Assert.That(await ClusterTruth.ControllersOfAsync(cloud, ns, name), Is.Empty, "nothing in Kubernetes would recreate it");
                Assert.That((await FederatedClusters.Dock.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Single(w => w.Ref.Name == name).Role,
                    Is.EqualTo(WorkloadRole.Active));
            });
        }
        finally
        {
            await Moves.RemoveEverywhereAsync(name);
        }
    }

    [Test]
    public async Task A_live_pod_moves_from_Kubernetes_to_a_Docker_host_and_back_while_a_client_reads_it_through_the_Service()
    {
        const string name = "cloud-counter", ns = Moves.Ns;
        var cloud = FederatedClusters.CloudCluster;
        await Moves.DeployAsync(FederatedClusters.Cloud, name);
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var port = int.Parse((await cloud.WaitForServiceAsync(ns, name, TestApp.Port, wait.Token)).Split(':')[1]);
            var first = await TestApp.WaitAsync(port, "VERIFY");
            await using var client = new StableClient(port, TimeSpan.FromMinutes(6));

            var there = await Moves.MoveAsync(FederatedClusters.Cloud, "dock", name);
            Assert.That(there.Phase, Is.EqualTo(MigrationPhase.Completed), there.Error);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(await ClusterTruth.RuntimePodsAsync(cloud, ns, name), Is.Empty, "the Kubernetes pod is gone");
                Assert.That(await ClusterTruth.ControllersOfAsync(cloud, ns, name), Is.Empty, "nothing in Kubernetes would recreate it");
                Assert.That((await FederatedClusters.Dock.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Single(w => w.Ref.Name == name).Role,
                    Is.EqualTo(WorkloadRole.Active), "it runs on the Docker host");
            });
            await Moves.AssertMemoryIntactAsync(port, "on the Docker host, through the Kubernetes Service");

            var back = await Moves.MoveAsync(FederatedClusters.Dock, "cloud", name);
            await client.StopAsync();
            Assert.That(back.Phase, Is.EqualTo(MigrationPhase.Completed), back.Error);
            Moves.AssertOneUnbrokenProcess(client, first);
            await Moves.AssertMemoryIntactAsync(port, "back in Kubernetes");
            var (_, controller) = await ClusterTruth.TheRunningPodAsync(cloud, ns, name);
            Assert.That(controller, Is.EqualTo($"replicaset/{name}-federation"));
        }
        finally
        {
            await Moves.RemoveEverywhereAsync(name);
        }
    }
}
