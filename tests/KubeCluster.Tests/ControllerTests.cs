using System.Net.Sockets;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>Deployments, ReplicaSets and StatefulSets become running pods; Services reach them through kube-proxy.</summary>
[TestFixture]
public sealed class ControllerTests() : ClusterFixture("ctl")
{
    [Test]
    public async Task A_deployment_runs_pods_that_its_service_reaches_and_scaling_to_zero_removes_them()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("counter", 2), Ns);
        await Client.CoreV1.CreateNamespacedServiceAsync(Service("counter", "counter"), Ns);

        var pods = await Eventually.WaitAsync(async () =>
        {
            var list = await PodsAsync("app=counter");
            return list.Count == 2 && list.All(p => p.Status?.Phase == "Running" && IsReady(p)) ? list : null;
        }, "two running, ready pods of the deployment");
        var rs = (await Client.AppsV1.ListNamespacedReplicaSetAsync(Ns)).Items.Single();
        Assert.Multiple(() =>
        {
            Assert.That(pods.Select(p => p.Status.PodIP).Distinct().Count(), Is.EqualTo(2), "each pod has an IP of its own");
            Assert.That(pods.All(p => p.Spec.NodeName == Cluster.NodeName && p.Status.HostIP == Cluster.NodeIp), "bound to the node, hostIP the node's");
            Assert.That(pods.All(p => p.Metadata.OwnerReferences.Single() is { Controller: true, Kind: "ReplicaSet" } r && r.Uid == rs.Metadata.Uid));
            Assert.That(pods.All(p => p.Metadata.Labels["pod-template-hash"] == rs.Metadata.Labels["pod-template-hash"]));
            Assert.That(rs.Metadata.OwnerReferences.Single().Kind, Is.EqualTo("Deployment"));
        });
        await Eventually.WaitAsync(async () =>
            (await Client.AppsV1.ReadNamespacedDeploymentAsync("counter", Ns)).Status is { ReadyReplicas: 2, AvailableReplicas: 2, Replicas: 2 },
            "the deployment's status counts two ready replicas");

        var address = await Cluster.WaitForServiceAsync(Ns, "counter", 7000, CancellationToken.None);
        Assert.That(address, Does.StartWith("127.0.0.1:"));
        var seeds = await Eventually.WaitAsync(async () =>
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < 4; i++) seen.Add(LineClient.SeedOf(await LineClient.AskAsync(address)));
            return seen.Count == 2 ? seen : null;
        }, "the service spreading connections over both pods");
        Assert.That(seeds, Has.Count.EqualTo(2));

        var deployment = await Client.AppsV1.ReadNamespacedDeploymentAsync("counter", Ns);
        deployment.Spec.Replicas = 0;
        await Client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, "counter", Ns);
        await Eventually.WaitAsync(async () => (await PodsAsync("app=counter")).Count == 0, "no pod left after scaling to 0");
        foreach (var pod in pods)
            await Eventually.WaitAsync(async () => await ContainersOfAsync(pod.Metadata.Uid) == 0, $"the containers of {pod.Metadata.Name} removed");
        await Eventually.WaitAsync(async () =>
        {
            try { await LineClient.AskAsync(address); return false; }
            catch (SocketException e) { return e.SocketErrorCode == SocketError.ConnectionRefused; }
        }, "connections to the service without endpoints refused");
    }

    [Test]
    public async Task A_deleted_pod_is_replaced_by_its_replica_set()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("heal", 1), Ns);
        var first = await Eventually.WaitAsync(async () => (await PodsAsync("app=heal")).SingleOrDefault(p => p.Status?.Phase == "Running"), "the pod running");

        await Client.CoreV1.DeleteNamespacedPodAsync(first.Metadata.Name, Ns);

        var second = await Eventually.WaitAsync(async () =>
            (await PodsAsync("app=heal")).SingleOrDefault(p => p.Metadata.Uid != first.Metadata.Uid && p.Status?.Phase == "Running" && IsReady(p)),
            "a new pod running in place of the deleted one");
        await Eventually.WaitAsync(async () => (await PodsAsync("app=heal")).Count == 1, "the deleted pod gone");
        await Eventually.WaitAsync(async () => await ContainersOfAsync(first.Metadata.Uid) == 0, "the deleted pod's containers removed");
        Assert.That(second.Metadata.Name, Is.Not.EqualTo(first.Metadata.Name));
    }

    [Test]
    public async Task A_replica_set_adopts_a_matching_bare_pod_and_releases_it_when_its_labels_change()
    {
        var bare = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "moved-in", Labels = new Dictionary<string, string> { ["app"] = "adopt" } },
            Spec = new V1PodSpec { Containers = [TestApp()] },
        };
        await Client.CoreV1.CreateNamespacedPodAsync(bare, Ns);
        await RunningAsync("moved-in");

        var rs = await Client.AppsV1.CreateNamespacedReplicaSetAsync(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = "adopter" },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "adopt" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "adopt" } },
                    Spec = new V1PodSpec { Containers = [TestApp()] },
                },
            },
        }, Ns);

        var adopted = await Eventually.WaitAsync(async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync("moved-in", Ns);
            return pod.Metadata.OwnerReferences?.SingleOrDefault(r => r.Controller == true && r.Uid == rs.Metadata.Uid) is not null ? pod : null;
        }, "the bare pod adopted by the replica set");
        // Adoption counts: after more passes of the controllers the replica set still has only the adopted pod.
        var passes = Cluster.Controllers.Passes;
        await Eventually.WaitAsync(() => Task.FromResult(Cluster.Controllers.Passes >= passes + 3), "three more controller passes");
        Assert.That((await PodsAsync("app=adopt")).Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "moved-in" }), "no second pod made");
        await Eventually.WaitAsync(async () => (await Client.AppsV1.ReadNamespacedReplicaSetAsync("adopter", Ns)).Status is { Replicas: 1, ReadyReplicas: 1 },
            "the replica set counting the adopted pod as ready");

        adopted.Metadata.Labels["app"] = "elsewhere";
        await Client.CoreV1.ReplaceNamespacedPodAsync(adopted, "moved-in", Ns);

        await Eventually.WaitAsync(async () => (await Client.CoreV1.ReadNamespacedPodAsync("moved-in", Ns)).Metadata.OwnerReferences is null or { Count: 0 },
            "the relabelled pod released");
        var replacement = await Eventually.WaitAsync(async () => (await PodsAsync("app=adopt")).SingleOrDefault(p => p.Status?.Phase == "Running"),
            "a replacement made for the released pod");
        Assert.That(replacement.Metadata.Name, Does.StartWith("adopter-"));
        Assert.That((await Client.CoreV1.ReadNamespacedPodAsync("moved-in", Ns)).Status.Phase, Is.EqualTo("Running"), "the released pod keeps running");
    }

    [Test]
    public async Task A_stateful_set_runs_ordinal_pods_and_deleting_its_owner_collects_them()
    {
        var set = await Client.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 2,
                ServiceName = "db",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "db" } },
                    Spec = new V1PodSpec { Containers = [TestApp()] },
                },
            },
        }, Ns);
        var zero = await RunningAsync("db-0");
        var one = await RunningAsync("db-1");
        Assert.That(new[] { zero, one }.All(p => p.Metadata.OwnerReferences.Single().Uid == set.Metadata.Uid));

        // Background propagation: the owner goes at once, the garbage collector removes its pods afterwards.
        await Client.AppsV1.DeleteNamespacedStatefulSetAsync("db", Ns, propagationPolicy: "Background");
        await Eventually.WaitAsync(async () => (await PodsAsync("app=db")).Count == 0, "the pods of the deleted stateful set collected");
        foreach (var pod in new[] { zero, one })
            await Eventually.WaitAsync(async () => await ContainersOfAsync(pod.Metadata.Uid) == 0, $"the containers of {pod.Metadata.Name} removed");
    }

    private static V1Deployment Deployment(string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [TestApp()] },
            },
        },
    };

    private static V1Service Service(string name, string app) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string> { ["app"] = app },
            Ports = [new V1ServicePort { Port = 7000, TargetPort = "app", Protocol = "TCP" }],
        },
    };
}
