using System.Text.Json;
using Federation.Adapters.Kubernetes.Cluster;
using k8s;
using k8s.Models;
using MockFlavor = Federation.Tests.Kube.KubeFlavor;

namespace Federation.Kubernetes.Tests;

/// <summary>The watch resumes after a dropped stream and lists again after 410 Gone, and no change is lost or reported twice.</summary>
[TestFixture]
public sealed class ResumableWatchTests
{
    private MockCluster cluster = null!;
    private CancellationTokenSource timeout = null!;

    [SetUp]
    public async Task StartAsync()
    {
        cluster = await MockCluster.StartAsync(MockFlavor.Kubernetes);
        timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    }

    [TearDown]
    public async Task StopAsync()
    {
        timeout.Dispose();
        await cluster.DisposeAsync();
    }

    private Task CreateAsync(string name) => cluster.Client.CoreV1.CreateNamespacedPodAsync(MockCluster.Pod(name), "default", cancellationToken: timeout.Token);

    private Task DeleteAsync(string name) => cluster.Client.CoreV1.DeleteNamespacedPodAsync(name, "default", gracePeriodSeconds: 0, cancellationToken: timeout.Token);

    private Task RelabelAsync(string name) => cluster.Client.CoreV1.PatchNamespacedPodAsync(
        new V1Patch(JsonSerializer.Serialize(new { metadata = new { labels = new Dictionary<string, string> { ["changed"] = "yes" } } }), V1Patch.PatchType.MergePatch),
        name, "default", cancellationToken: timeout.Token);

    /// <summary>The next <paramref name="count"/> changes, within a bound.</summary>
    private static async Task<List<string>> TakeAsync(IAsyncEnumerator<(WatchEventType Type, V1Pod Object)> events, int count)
    {
        var taken = new List<string>();
        while (taken.Count < count)
        {
            Assert.That(await events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)), Is.True, "the watch ended");
            taken.Add($"{events.Current.Type} {events.Current.Object.Metadata.Name}");
        }
        return taken;
    }

    [Test]
    public async Task A_dropped_stream_resumes_and_410_relists_without_losing_or_repeating_a_change()
    {
        await CreateAsync("p1");
        await CreateAsync("p2");
        var watch = cluster.Api.PodWatch("default", "watched=yes");
        await using var events = watch.RunAsync(initial: true, timeout.Token).GetAsyncEnumerator(timeout.Token);

        Assert.That(await TakeAsync(events, 2), Is.EquivalentTo(new[] { "Added p1", "Added p2" }), "what the first list found");
        await CreateAsync("p3");
        Assert.That(await TakeAsync(events, 1), Is.EqualTo(new[] { "Added p3" }));

        // The stream drops; changes happen before the watch is read again: it resumes from the last resourceVersion.
        cluster.Server.DropWatches();
        await CreateAsync("p4");
        await DeleteAsync("p1");
        Assert.That(await TakeAsync(events, 2), Is.EqualTo(new[] { "Added p4", "Deleted p1" }));
        Assert.That(watch.Resumes, Is.GreaterThanOrEqualTo(1));
        Assert.That(watch.Relists, Is.Zero);

        // Dropped again, and the history it would resume from is compacted away: 410, a new list, only the difference.
        cluster.Server.DropWatches();
        await CreateAsync("p5");
        await RelabelAsync("p2");
        await DeleteAsync("p3");
        cluster.Server.CompactHistory();
        Assert.That(await TakeAsync(events, 3), Is.EquivalentTo(new[] { "Added p5", "Modified p2", "Deleted p3" }));
        Assert.That(watch.Relists, Is.EqualTo(1));

        // And on: the next change comes once, after nothing repeated from before.
        await CreateAsync("p6");
        Assert.That(await TakeAsync(events, 1), Is.EqualTo(new[] { "Added p6" }));
        Assert.That(watch.Known.Keys, Is.EquivalentTo(new[] { "default/p2", "default/p4", "default/p5", "default/p6" }));
    }

    [Test]
    public async Task A_watch_that_fails_to_open_backs_off_and_tries_again()
    {
        await CreateAsync("p1");
        cluster.Server.FailNext("list", "pods", 503);
        var watch = cluster.Api.PodWatch("default", "watched=yes");
        await using var events = watch.RunAsync(initial: true, timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.That(await TakeAsync(events, 1), Is.EqualTo(new[] { "Added p1" }), "the list failed once and was tried again");
    }

    [Test]
    public async Task Waiting_for_a_pod_ends_when_it_is_deleted_instead_of_hanging()
    {
        await CreateAsync("p1");
        var waiting = cluster.Api.WaitForReadyAsync("default", "p1", TimeSpan.FromSeconds(30), timeout.Token);
        await DeleteAsync("p1");
        var e = Assert.ThrowsAsync<FederationException>(() => waiting)!;
        Assert.That(e.Message, Is.EqualTo("pod default/p1 in cluster 'a' was deleted while it started"));
    }

    [Test]
    public async Task Waiting_for_a_pod_deleted_before_the_wait_began_fails_at_once()
    {
        await CreateAsync("p1");
        await DeleteAsync("p1");
        var e = Assert.ThrowsAsync<FederationException>(() => cluster.Api.WaitForReadyAsync("default", "p1", TimeSpan.FromSeconds(30), timeout.Token))!;
        Assert.That(e.Message, Is.EqualTo("pod default/p1 in cluster 'a' was deleted while it started"));
    }
}
