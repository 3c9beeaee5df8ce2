using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>The node's pod watch survives streams the API server drops and history it compacts (410 Gone), losing no pod.</summary>
[TestFixture]
public sealed class WatchTests() : ClusterFixture("watch")
{
    [Test]
    public async Task Pods_made_while_the_watch_was_dropped_or_its_history_compacted_still_run()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("before"), Ns);
        await RunningAsync("before");

        // Dropped streams: the node resumes from the last resourceVersion it saw.
        Cluster.ApiServer.DropWatches();
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("after-drop"), Ns);
        await RunningAsync("after-drop");

        // Compacted history: the watches' resume (held up until the pod and the compaction are in) answers 410 Gone,
        // and the node lists again, finding the pod it never saw an event for.
        var lists = Cluster.Node.Pods.Lists;
        Cluster.ApiServer.Hang("watch", "pods", TimeSpan.FromSeconds(30));
        Cluster.ApiServer.Hang("watch", "pods", TimeSpan.FromSeconds(30));
        Cluster.ApiServer.DropWatches();
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("after-compaction"), Ns);
        var doomed = await Client.CoreV1.ReadNamespacedPodAsync("before", Ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("before", Ns);
        Cluster.ApiServer.CompactHistory();
        Cluster.ApiServer.ReleaseHangs();

        await RunningAsync("after-compaction");
        Assert.That(Cluster.Node.Pods.Lists, Is.GreaterThan(lists), "the node listed again after 410 Gone");
        await Eventually.WaitAsync(async () => await ContainersOfAsync(doomed.Metadata.Uid) == 0, "the pod deleted during the outage torn down");
        await Eventually.WaitAsync(async () => (await PodsAsync()).All(p => p.Metadata.Name != "before"), "the deleted pod finalised");

        // And the watch still follows: a pod made now runs.
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("later"), Ns);
        await RunningAsync("later");
        Assert.That((await PodsAsync()).Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "after-drop", "after-compaction", "later" }));
    }

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { Containers = [TestApp()] },
    };
}
