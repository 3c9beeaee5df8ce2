using System.Net.Http;
using System.Net.Sockets;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>The test hooks: planned failures with the real Status shapes, hangs, a stopped server, the request log.</summary>
public sealed class FaultHookTests
{
    [TestCase(403, "Forbidden")]
    [TestCase(404, "NotFound")]
    [TestCase(409, "AlreadyExists")]
    [TestCase(422, "Invalid")]
    [TestCase(500, "InternalError")]
    [TestCase(504, "Timeout")]
    public async Task FailNextAnswersTheNextMatchingRequestWithARealStatus(int code, string reason)
    {
        await using var server = await MockServer.StartAsync();
        using var client = MockServer.Client(server);
        server.FailNext("create", "pods", code);
        var refused = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p", "default"), "default"))!;
        var status = MockServer.StatusOf(refused);
        Assert.Multiple(() =>
        {
            Assert.That((int)refused.Response.StatusCode, Is.EqualTo(code));
            Assert.That(status.Code, Is.EqualTo(code));
            Assert.That(status.Reason, Is.EqualTo(reason));
            Assert.That(status.Status, Is.EqualTo("Failure"));
            Assert.That(status.Message, Is.Not.Empty);
        });
        Assert.That(server.Get("", "pods", "default", "p"), Is.Null, "a failed create stores nothing");
        var created = await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p", "default"), "default");
        Assert.That(created.Metadata.Name, Is.EqualTo("p"), "the failure is used once");
    }

    [Test]
    public async Task FailNextMatchesVerbAndSubresource()
    {
        await using var server = await MockServer.StartAsync();
        using var client = MockServer.Client(server);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p", "default"), "default");
        server.FailNext("patch", "pods/status", 409);
        Assert.DoesNotThrowAsync(() => client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", V1Patch.PatchType.MergePatch), "p", "default"));
        var refused = Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch("{\"status\":{\"phase\":\"Running\"}}", V1Patch.PatchType.MergePatch), "p", "default"))!;
        Assert.That(MockServer.StatusOf(refused).Reason, Is.EqualTo("Conflict"));
    }

    [Test]
    public async Task AHangingRequestEndsWhenTheClientGivesUpAndAStoppedServerRefusesConnections()
    {
        var server = await MockServer.StartAsync();
        using var client = MockServer.Client(server);
        server.Hang("list", "pods", TimeSpan.FromSeconds(30));
        using (var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            Assert.CatchAsync<OperationCanceledException>(() => client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: giveUp.Token));
        }
        Assert.That((await client.CoreV1.ListNamespacedPodAsync("default")).Items, Is.Empty, "the next request is served");

        server.Hang("get", "pods", TimeSpan.FromSeconds(30));
        var hanging = client.CoreV1.ReadNamespacedPodAsync("x", "default");
        Assert.That(hanging.IsCompleted, Is.False);
        server.ReleaseHangs();
        var timedOut = Assert.ThrowsAsync<HttpOperationException>(() => hanging)!;
        Assert.That(MockServer.StatusOf(timedOut).Reason, Is.EqualTo("Timeout"));

        await server.StopAsync();
        var refused = Assert.CatchAsync(() => client.CoreV1.ListNamespacedPodAsync("default"))!;
        Assert.That(refused, Is.InstanceOf<HttpRequestException>());
        Assert.That(refused.InnerException, Is.InstanceOf<SocketException>().With.Property(nameof(SocketException.SocketErrorCode)).EqualTo(SocketError.ConnectionRefused));
        await server.DisposeAsync();
    }

    [Test]
    public async Task TheRequestLogHasVerbPathAndBody()
    {
        await using var server = await MockServer.StartAsync();
        using var client = MockServer.Client(server);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("logged", "default"), "default");
        await client.CoreV1.DeleteNamespacedPodAsync("logged", "default");
        var create = server.Requests.Single(r => r.Verb == "create");
        Assert.That(create.Path, Does.StartWith("/api/v1/namespaces/default/pods"));
        Assert.That(create.StatusCode, Is.EqualTo(201));
        Assert.That(KubernetesJson.Deserialize<V1Pod>(create.Body!).Metadata.Name, Is.EqualTo("logged"));
        Assert.That(server.Requests.Single(r => r.Verb == "delete").Path, Does.StartWith("/api/v1/namespaces/default/pods/logged"));
    }

    [Test]
    public async Task GracefulPodDeletionMarksABoundPodUntilTheNodeDeletesItWithGraceZero()
    {
        await using var server = await MockServer.StartAsync(gracefulPodDeletion: true);
        using var client = MockServer.Client(server);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("bound", "default"), "default");
        await client.CoreV1.CreateNamespacedPodBindingAsync(new V1Binding { Metadata = new() { Name = "bound" }, Target = new V1ObjectReference { Kind = "Node", Name = "worker-1" } }, "bound", "default");
        var rebind = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodBindingAsync(
            new V1Binding { Metadata = new() { Name = "bound" }, Target = new V1ObjectReference { Kind = "Node", Name = "worker-2" } }, "bound", "default"))!;
        Assert.That((int)rebind.Response.StatusCode, Is.EqualTo(409));

        var marked = await client.CoreV1.DeleteNamespacedPodAsync("bound", "default");
        Assert.That(marked.Metadata.DeletionTimestamp, Is.Not.Null);
        Assert.That(marked.Metadata.DeletionGracePeriodSeconds, Is.EqualTo(30));
        Assert.That((await client.CoreV1.ReadNamespacedPodAsync("bound", "default")).Metadata.DeletionTimestamp, Is.Not.Null);
        await client.CoreV1.DeleteNamespacedPodAsync("bound", "default", gracePeriodSeconds: 0);
        Assert.That(Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("bound", "default"))!.Response.StatusCode,
            Is.EqualTo(System.Net.HttpStatusCode.NotFound));
    }
}
