using Federation.Adapters.Kubernetes;
using Federation.Tests.Shared;
using Federation.V1;
using k8s;
using k8s.Models;

namespace Federation.KubeMigration.Tests;

/// <summary>
/// A user's ordinary Deployment in K3s (its pod template annotated migratable, made migratable by the coordinator's webhook)
/// behind the user's own Service. The live pod moves to Kubernetes: the Deployment lets it go (scaled down by one, so it
/// is not recreated), a ReplicaSet in Kubernetes heals it, and the user's Service keeps its name and ClusterIP and leads to
/// where the pod runs now; both clusters' kubectl say so.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class DeploymentOwnedTests : FederationFixture
{
    private const string Ns = "shop", App = "shop", Front = "shop-front";

    [Test]
    public async Task A_Deployment_owned_pod_moves_to_Kubernetes_and_the_users_Service_follows_it()
    {
        var edge = FederatedClusters.EdgeCluster;
        var cloud = FederatedClusters.CloudCluster;
        await edge.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
        try
        {
            await edge.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(), Ns);
            var service = await edge.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = Front },
                Spec = new V1ServiceSpec
                {
                    Selector = new Dictionary<string, string> { ["app"] = App },
                    Ports = [new V1ServicePort { Port = 80, TargetPort = "http" }],
                },
            }, Ns);
            using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var port = int.Parse((await edge.WaitForServiceAsync(Ns, Front, 80, wait.Token)).Split(':')[1]);
            // The webhook rewrote the Deployment's pod; the coordinator placed its image; the Ambassador started the app.
            var first = await Eventually.WaitAsync(async () => await TestApp.AskAsync(port, "VERIFY"), "the app answering through the user's Service", seconds: 180);
            var (edgePod, edgeController) = await ClusterTruth.TheRunningPodAsync(edge, Ns, App);
            Assert.That(edgeController, Does.StartWith($"replicaset/{App}-"), "the Deployment's ReplicaSet owns the pod");
            Assert.That(edgePod.Spec.Containers.Select(c => c.Name), Is.EqualTo(new[] { "runtime", "engine", $"{App}-ambassador" }), "the webhook made it migratable");

            await using var client = new StableClient(port, TimeSpan.FromMinutes(5));
            var moved = await Moves.MoveAsync(FederatedClusters.Edge, "cloud", $"{App}", Ns);
            await client.StopAsync();
            Assert.That(moved.Phase, Is.EqualTo(MigrationPhase.Completed), moved.Error);

            Moves.AssertOneUnbrokenProcess(client, first);
            await Moves.AssertMemoryIntactAsync(port, "in Kubernetes, through the user's Service in K3s");
            var (cloudPod, cloudController) = await ClusterTruth.TheRunningPodAsync(cloud, Ns, App);
            var deployment = await edge.Client.AppsV1.ReadNamespacedDeploymentAsync(App, Ns);
            var front = await edge.Client.CoreV1.ReadNamespacedServiceAsync(Front, Ns);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(deployment.Spec.Replicas, Is.EqualTo(0), "the Deployment let the moved pod go: it will not recreate it");
                Assert.That(deployment.Metadata.Annotations?[FederationLabels.MovedReplicas], Is.EqualTo("1"), "it remembers how many replicas it had");
                Assert.That(await ClusterTruth.RuntimePodsAsync(edge, Ns, App), Is.Empty, "the K3s pod is gone");
                Assert.That(await ClusterTruth.KubectlPodsAsync(edge, Ns, App), Is.Empty, "kubectl in K3s lists no pod of it");
                Assert.That(cloudController, Is.EqualTo($"replicaset/{App}-federation"), "a ReplicaSet in Kubernetes heals it");
                Assert.That(await ClusterTruth.KubectlPodsAsync(cloud, Ns, App), Is.EqualTo(new[] { cloudPod.Metadata.Name }), "kubectl in Kubernetes lists it");
                Assert.That(front.Spec.ClusterIP, Is.EqualTo(service.Spec.ClusterIP), "the user's Service keeps its ClusterIP");
                Assert.That(front.Spec.Selector, Is.Null.Or.Empty, "its endpoints are the coordinator's now (through the relay)");
            });

            // Deleting the workload gives the user's Service its selector back.
            await FederatedClusters.Cloud.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Workload = new WorkloadRef { Namespace = Ns, Name = App } });
            var givenBack = await Eventually.WaitAsync(async () =>
                (await edge.Client.CoreV1.ReadNamespacedServiceAsync(Front, Ns)) is { Spec.Selector.Count: > 0 } s ? s : null,
                "the user's Service getting its selector back", seconds: 30);
            Assert.That(givenBack.Spec.Selector, Is.EqualTo(new Dictionary<string, string> { ["app"] = App }));
        }
        finally
        {
            await Moves.RemoveEverywhereAsync(App, Ns);
            await edge.Client.CoreV1.DeleteNamespaceAsync(Ns);
        }
    }

    private static V1Deployment Deployment() => new()
    {
        Metadata = new V1ObjectMeta { Name = App },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = App } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta
                {
                    Labels = new Dictionary<string, string> { ["app"] = App },
                    Annotations = new Dictionary<string, string> { [FederationLabels.Migratable] = "true" },
                },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = App,
                            Image = FederatedClusters.AppImage,
                            Command = ["/app/testapp"],
                            Env =
                            [
                                new V1EnvVar { Name = "MIB", Value = "48" },
                                new V1EnvVar { Name = "DIRTY_KIB", Value = "16" },
                                new V1EnvVar { Name = "PORT", Value = $"{TestApp.Port}" },
                            ],
                            Ports = [new V1ContainerPort { Name = "http", ContainerPort = TestApp.Port }],
                        },
                    ],
                },
            },
        },
    };
}
