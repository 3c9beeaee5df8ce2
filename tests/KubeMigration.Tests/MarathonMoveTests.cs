using Federation.V1;

namespace Federation.KubeMigration.Tests;

/// <summary>
/// Moves into and out of a Marathon cluster through the same core: a workload deployed in Marathon moves to Kubernetes while a
/// client reads it through marathon-lb's service port (the relay app then forwards to the Kubernetes node port), and a workload
/// of a plain Docker host moves into Marathon while a client reads it through the Docker host's stable address; a Marathon target
/// that never becomes healthy is rolled back with the migration, the app running at its source all along. Real Docker,
/// runc and CRIU run the runtimes (the Mesos agent of the harness starts Marathon's tasks on the local dockerd); Marathon's
/// API is the harness's mock, which checks every request against the documented shapes.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class MarathonMoveTests : FederationFixture
{
    [Test]
    public async Task A_live_app_moves_from_Marathon_to_Kubernetes_while_a_client_reads_it_through_marathon_lb()
    {
        const string name = "mesos-counter", ns = Moves.Ns;
        var mesos = FederatedClusters.MesosCluster;
        var cloud = FederatedClusters.CloudCluster;
        var deployed = await Moves.DeployAsync(FederatedClusters.Mesos, name);
        try
        {
            var runtimes = RuntimeApps(name);
            Assert.That(runtimes, Has.Count.EqualTo(1), "one runtime app in Marathon");
            var port = int.Parse(mesos.ServiceAddress(RelayApp(name)).Split(':')[1]);
            Assert.That(deployed.StableAddress, Does.EndWith($":{port}"), "the stable address is the relay app's service port on marathon-lb");
            var first = await TestApp.WaitAsync(port, "VERIFY");
            await using var client = new StableClient(port, TimeSpan.FromMinutes(6));

            var there = await Moves.MoveAsync(FederatedClusters.Mesos, "cloud", name);
            await client.StopAsync();
            Assert.That(there.Phase, Is.EqualTo(MigrationPhase.Completed), there.Error);
            Moves.AssertOneUnbrokenProcess(client, first);
            await Moves.AssertMemoryIntactAsync(port, "in Kubernetes, through marathon-lb");
            var (cloudPod, cloudController) = await ClusterTruth.TheRunningPodAsync(cloud, ns, name);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(RuntimeApps(name), Is.Empty, "the Marathon runtime app is gone");
                Assert.That(mesos.Api.Apps.Keys, Does.Contain(RelayApp(name)), "the stable address stays in Marathon, forwarding to Kubernetes");
                Assert.That(cloudController, Is.EqualTo($"replicaset/{name}-federation"), "a ReplicaSet in Kubernetes heals the restored pod");
                Assert.That(await ClusterTruth.KubectlPodsAsync(cloud, ns, name), Is.EqualTo(new[] { cloudPod.Metadata.Name }), "kubectl lists its pod");
                Assert.That((await FederatedClusters.Mesos.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Select(w => w.Ref.Name),
                    Does.Not.Contain(name), "the Marathon cluster runs it no more");
            });
        }
        finally
        {
            await Moves.RemoveEverywhereAsync(name);
        }
        Assert.That(mesos.Api.Apps.Keys.Where(k => k.Contains($"/{name}", StringComparison.Ordinal)), Is.Empty, "a delete leaves no app of it in Marathon");
    }

    [Test]
    public async Task A_live_app_moves_from_a_Docker_host_into_Marathon_while_a_client_reads_it()
    {
        const string name = "dock-to-mesos";
        var mesos = FederatedClusters.MesosCluster;
        var deployed = await Moves.DeployAsync(FederatedClusters.Dock, name);
        try
        {
            var port = int.Parse(deployed.StableAddress.Split(':')[1]);
            var first = await TestApp.WaitAsync(port, "VERIFY");
            await using var client = new StableClient(port, TimeSpan.FromMinutes(6));

            var there = await Moves.MoveAsync(FederatedClusters.Dock, "mesos", name);
            await client.StopAsync();
            Assert.That(there.Phase, Is.EqualTo(MigrationPhase.Completed), there.Error);
            Moves.AssertOneUnbrokenProcess(client, first);
            await Moves.AssertMemoryIntactAsync(port, "in Marathon, through the Docker host's stable address");
            var runtimes = RuntimeApps(name);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(runtimes, Has.Count.EqualTo(1), "one runtime app in Marathon");
                Assert.That(runtimes.Single(), Does.EndWith($"-{Federation.Adapters.Mesos.AppIds.TargetSuffix(there.Id)}"), "the migration's target, promoted");
                Assert.That(mesos.Api.Apps[runtimes.Single()]["tasksRunning"]!.GetValue<int>(), Is.EqualTo(1), "its task runs");
                Assert.That((await FederatedClusters.Dock.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Select(w => w.Ref.Name),
                    Does.Not.Contain(name), "the Docker host's runtime is gone");
                Assert.That((await FederatedClusters.Mesos.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Single(w => w.Ref.Name == name).Role,
                    Is.EqualTo(WorkloadRole.Active), "it runs in Marathon");
            });
        }
        finally
        {
            await Moves.RemoveEverywhereAsync(name);
        }
    }

    [Test]
    public async Task A_Marathon_target_that_never_becomes_healthy_is_rolled_back_and_the_app_keeps_running_at_its_source()
    {
        const string name = "dock-mesos-unhealthy";
        var mesos = FederatedClusters.MesosCluster;
        var deployed = await Moves.DeployAsync(FederatedClusters.Dock, name);
        // The target's task fails to launch, as when its image cannot be pulled: Marathon keeps relaunching it, it never runs.
        mesos.Agent.FailLaunches = app => app.StartsWith($"{FederatedClusters.MarathonGroup}/runtimes/{Moves.Ns}/{name}-", StringComparison.Ordinal);
        try
        {
            var port = int.Parse(deployed.StableAddress.Split(':')[1]);
            var first = await TestApp.WaitAsync(port, "VERIFY");
            await using var client = new StableClient(port, TimeSpan.FromMinutes(6));

            var attempt = await Moves.MoveAsync(FederatedClusters.Dock, "mesos", name);
            await client.StopAsync();
            Assert.That(attempt.Phase, Is.EqualTo(MigrationPhase.RolledBack), attempt.Error);
            Assert.That(attempt.Error, Does.Contain("did not become healthy within").And.Contain("rolled back").And.Contain("TASK_FAILED"),
                "the error names the deployment that never became healthy and its last task state");
            Moves.AssertOneUnbrokenProcess(client, first);
            await Moves.AssertMemoryIntactAsync(port, "at its source after the rollback");
            Assert.That(RuntimeApps(name), Is.Empty, "nothing of the target is left in Marathon");
            Assert.That(mesos.Api.State.Deployments(), Is.Empty, "no deployment is left running in Marathon");
            var workload = (await FederatedClusters.Dock.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Single(w => w.Ref.Name == name);
            Assert.That(workload.Role, Is.EqualTo(WorkloadRole.Active), "it runs at its source");
        }
        finally
        {
            mesos.Agent.FailLaunches = null;
            await Moves.RemoveEverywhereAsync(name);
        }
    }

    private static string RelayApp(string name) => $"{FederatedClusters.MarathonGroup}/addresses/{Moves.Ns}/{name}";

    private static List<string> RuntimeApps(string name) =>
        FederatedClusters.MesosCluster.Api.Apps.Keys.Where(k => k.StartsWith($"{FederatedClusters.MarathonGroup}/runtimes/{Moves.Ns}/{name}-", StringComparison.Ordinal)).ToList();
}
