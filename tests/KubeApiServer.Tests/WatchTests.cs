using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>
/// Watches through the official client: events after the resourceVersion only and in order, streams the server
/// drops mid-flight resumed from the last resourceVersion, 410 Gone after compaction answered by a relist; in the
/// end every change is seen exactly once.
/// </summary>
public sealed class WatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private KubeApiServer server = null!;
    private Kubernetes client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        server = await MockServer.StartAsync();
        client = MockServer.Client(server);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    /// <summary>What one watch stream delivered: events, then how it ended.</summary>
    private sealed record Item(WatchEventType? Type, V1Pod? Pod, Exception? Error, bool Ended);

    /// <summary>Opens one watch from <paramref name="resourceVersion"/> and pumps what it delivers into a channel.</summary>
    private ChannelReader<Item> Open(string ns, string resourceVersion, CancellationToken cancellationToken, bool bookmarks = false, int? timeoutSeconds = null)
    {
        var items = Channel.CreateUnbounded<Item>();
        _ = Task.Run(async () =>
        {
            try
            {
                var events = client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: resourceVersion, allowWatchBookmarks: bookmarks,
                    timeoutSeconds: timeoutSeconds, onError: e => items.Writer.TryWrite(new Item(null, null, e, false)), cancellationToken: cancellationToken);
                await foreach (var (type, pod) in events)
                {
                    items.Writer.TryWrite(new Item(type, pod, null, false));
                }
            }
            catch (Exception e)
            {
                items.Writer.TryWrite(new Item(null, null, e, false));
            }
            items.Writer.TryWrite(new Item(null, null, null, true));
            items.Writer.TryComplete();
        }, cancellationToken);
        return items.Reader;
    }

    private static async Task<Item> NextAsync(ChannelReader<Item> reader)
    {
        using var patience = new CancellationTokenSource(Patience);
        return await reader.ReadAsync(patience.Token);
    }

    [Test]
    public async Task EveryChangeIsSeenExactlyOnceAcrossADroppedStreamAndA410Relist()
    {
        var ns = await MockServer.NamespaceAsync(client, "watch");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var initial = await client.CoreV1.ListNamespacedPodAsync(ns);
        var lastVersion = initial.Metadata.ResourceVersion;
        var seen = new List<(WatchEventType Type, string Name, long Version)>();
        var known = new Dictionary<string, string>();

        void Take(Item item)
        {
            Assert.That(item.Error, Is.Null, item.Error?.ToString());
            Assert.That(item.Ended, Is.False, "the stream ended early");
            var version = long.Parse(item.Pod!.Metadata.ResourceVersion);
            Assert.That(version, Is.GreaterThan(long.Parse(lastVersion)), "events come after the resourceVersion, in order");
            seen.Add((item.Type!.Value, item.Pod.Metadata.Name, version));
            lastVersion = item.Pod.Metadata.ResourceVersion;
            if (item.Type == WatchEventType.Deleted)
            {
                known.Remove(item.Pod.Metadata.Name);
            }
            else
            {
                known[item.Pod.Metadata.Name] = item.Pod.Metadata.ResourceVersion;
            }
        }

        // 1. A stream from the list's resourceVersion sees two creations and a change.
        var stream = Open(ns, lastVersion, cancel.Token);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p1", ns), ns);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p2", ns), ns);
        await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"v\":\"2\"}}}", V1Patch.PatchType.MergePatch), "p1", ns);
        for (var i = 0; i < 3; i++)
        {
            Take(await NextAsync(stream));
        }

        // 2. The server drops the stream; what happens meanwhile comes on the resumed stream, once.
        server.DropWatches();
        Assert.That((await NextAsync(stream)).Ended, Is.True, "a dropped stream ends");
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p3", ns), ns);
        await client.CoreV1.DeleteNamespacedPodAsync("p2", ns);
        stream = Open(ns, lastVersion, cancel.Token);
        for (var i = 0; i < 2; i++)
        {
            Take(await NextAsync(stream));
        }
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p4", ns), ns);
        Take(await NextAsync(stream));

        // 3. Dropped again, history compacted: resuming gets ERROR 410 Gone (Expired); a relist catches up.
        server.DropWatches();
        Assert.That((await NextAsync(stream)).Ended, Is.True);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p5", ns), ns);
        await client.CoreV1.DeleteNamespacedPodAsync("p1", ns);
        server.CompactHistory();
        stream = Open(ns, lastVersion, cancel.Token);
        var expired = await NextAsync(stream);
        var gone = expired.Error as KubernetesException;
        Assert.That(gone, Is.Not.Null, $"expected a KubernetesException, got {expired.Error}");
        Assert.That(gone!.Status.Code, Is.EqualTo(410));
        Assert.That(gone.Status.Reason, Is.EqualTo("Expired"));
        Assert.That((await NextAsync(stream)).Ended, Is.True);

        var relist = await client.CoreV1.ListNamespacedPodAsync(ns);
        var listed = relist.Items.ToDictionary(p => p.Metadata.Name, p => p.Metadata.ResourceVersion);
        Assert.That(listed.Keys, Is.EquivalentTo(new[] { "p3", "p4", "p5" }));
        known = listed;
        lastVersion = relist.Metadata.ResourceVersion;
        stream = Open(ns, lastVersion, cancel.Token);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p6", ns), ns);
        Take(await NextAsync(stream));

        Assert.That(seen.Select(s => $"{s.Type} {s.Name}"), Is.EqualTo(new[]
        {
            "Added p1", "Added p2", "Modified p1", "Added p3", "Deleted p2", "Added p4", "Added p6",
        }));
        Assert.That(seen.Select(s => s.Version), Is.Unique);
        var final = await client.CoreV1.ListNamespacedPodAsync(ns);
        Assert.That(known, Is.EquivalentTo(final.Items.ToDictionary(p => p.Metadata.Name, p => p.Metadata.ResourceVersion)));
        cancel.Cancel();
    }

    [Test]
    public async Task AWatchWithoutResourceVersionStartsWithTheCurrentObjectsAndSelectorsTurnChangesIntoAddsAndDeletes()
    {
        var ns = await MockServer.NamespaceAsync(client, "sel");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("old", ns, new() { ["app"] = "web" }), ns);
        var items = Channel.CreateUnbounded<(WatchEventType, V1Pod)>();
        _ = Task.Run(async () =>
        {
            await foreach (var change in client.CoreV1.WatchListNamespacedPodAsync(ns, labelSelector: "app=web", cancellationToken: cancel.Token))
            {
                items.Writer.TryWrite(change);
            }
        }, cancel.Token);
        async Task<string> Next()
        {
            using var patience = new CancellationTokenSource(Patience);
            var (type, pod) = await items.Reader.ReadAsync(patience.Token);
            return $"{type} {pod.Metadata.Name}";
        }
        Assert.That(await Next(), Is.EqualTo("Added old"));
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("other", ns, new() { ["app"] = "db" }), ns);
        await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"app\":\"web\"}}}", V1Patch.PatchType.MergePatch), "other", ns);
        Assert.That(await Next(), Is.EqualTo("Added other"), "starting to match is an ADDED");
        await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"app\":\"db\"}}}", V1Patch.PatchType.MergePatch), "old", ns);
        Assert.That(await Next(), Is.EqualTo("Deleted old"), "stopping to match is a DELETED");
        cancel.Cancel();
    }

    [Test]
    public async Task TimeoutSecondsEndsTheStreamAndBookmarksCarryTheResourceVersion()
    {
        var ns = await MockServer.NamespaceAsync(client, "timeout");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var list = await client.CoreV1.ListNamespacedPodAsync(ns);
        var stream = Open(ns, list.Metadata.ResourceVersion, cancel.Token, bookmarks: true, timeoutSeconds: 3);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("marker", ns), ns);
        Assert.That((await NextAsync(stream)).Type, Is.EqualTo(WatchEventType.Added), "the stream is open");
        server.SendBookmarks();
        var bookmark = await NextAsync(stream);
        Assert.That(bookmark.Type, Is.EqualTo(WatchEventType.Bookmark));
        Assert.That(long.Parse(bookmark.Pod!.Metadata.ResourceVersion), Is.GreaterThanOrEqualTo(long.Parse(list.Metadata.ResourceVersion)));
        Assert.That((await NextAsync(stream)).Ended, Is.True, "the server ends the stream after timeoutSeconds");
    }

    [Test]
    public void AnInvalidResourceVersionIsBadRequest()
    {
        var refused = Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CoreV1.ListNamespacedPodWithHttpMessagesAsync("default", watch: true, resourceVersion: "abc"))!;
        Assert.That((int)refused.Response.StatusCode, Is.EqualTo(400));
    }
}
