using Federation.Tests.Kube;
using k8s;
using k8s.Models;

namespace Federation.Kubernetes.Tests;

/// <summary>API server failures become FederationExceptions with one line that names what was asked, the status and, for 422, the field.</summary>
[TestFixture]
public sealed class KubeApiErrorTests
{
    private static async Task<FederationException> FailureOf(MockCluster cluster, string what, Func<CancellationToken, Task> call)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var e = Assert.ThrowsAsync<FederationException>(() => cluster.Api.CallAsync(what, call, timeout.Token))!;
        TestContext.Out.WriteLine($"{e.Error}: {e.Message}");
        Assert.That(e.Message, Does.Not.Contain("\n"));
        Assert.That(e.Message, Does.StartWith($"{what}: Kubernetes API of cluster 'a' "));
        return e;
    }

    [TestCase(401, FederationError.PermissionDenied)]
    [TestCase(403, FederationError.PermissionDenied)]
    [TestCase(404, FederationError.NotFound)]
    [TestCase(409, FederationError.AlreadyExists)]
    [TestCase(422, FederationError.InvalidArgument)]
    [TestCase(503, FederationError.Unavailable)]
    public async Task A_status_becomes_its_error(int code, FederationError error)
    {
        await using var cluster = await MockCluster.StartAsync(KubeFlavor.Kubernetes);
        cluster.Server.FailNext("create", "pods", code);
        var e = await FailureOf(cluster, "create pod default/p", t => cluster.Client.CoreV1.CreateNamespacedPodAsync(MockCluster.Pod("p"), "default", cancellationToken: t));
        Assert.That(e.Error, Is.EqualTo(error));
        Assert.That(e.Message, Does.Contain($"answered {code}"));
    }

    [Test]
    public async Task A_422_names_the_field()
    {
        await using var cluster = await MockCluster.StartAsync(KubeFlavor.Kubernetes);
        var pod = MockCluster.Pod("p");
        pod.Spec.Containers[0].Image = null;
        var e = await FailureOf(cluster, "create pod default/p", t => cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: t));
        Assert.That(e.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(e.Message, Does.Contain("answered 422").And.Contain("spec.containers[0].image"));
    }

    [Test]
    public async Task A_real_conflict_and_a_real_absence()
    {
        await using var cluster = await MockCluster.StartAsync(KubeFlavor.Kubernetes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(MockCluster.Pod("p"), "default", cancellationToken: timeout.Token);
        var conflict = await FailureOf(cluster, "create pod default/p", t => cluster.Client.CoreV1.CreateNamespacedPodAsync(MockCluster.Pod("p"), "default", cancellationToken: t));
        Assert.That(conflict.Error, Is.EqualTo(FederationError.AlreadyExists));
        Assert.That(conflict.Message, Does.Contain("\"p\" already exists"));
        var absent = await FailureOf(cluster, "read pod default/q", t => cluster.Client.CoreV1.ReadNamespacedPodAsync("q", "default", cancellationToken: t));
        Assert.That(absent.Error, Is.EqualTo(FederationError.NotFound));
        Assert.That(await cluster.Api.FindAsync("read pod default/q", t => cluster.Client.CoreV1.ReadNamespacedPodAsync("q", "default", cancellationToken: t), timeout.Token), Is.Null);
    }

    [Test]
    public async Task A_refused_connection_is_unavailable()
    {
        await using var cluster = await MockCluster.StartAsync(KubeFlavor.Kubernetes);
        await cluster.Server.StopAsync();
        var e = await FailureOf(cluster, "list pods", t => cluster.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: t));
        Assert.That(e.Error, Is.EqualTo(FederationError.Unavailable));
        Assert.That(e.Message, Does.Contain("is unreachable: connection refused"));
    }

    [Test]
    public async Task A_server_that_does_not_answer_is_unavailable()
    {
        await using var cluster = await MockCluster.StartAsync(KubeFlavor.Kubernetes, clientTimeout: TimeSpan.FromSeconds(1));
        cluster.Server.Hang("list", "pods", TimeSpan.FromSeconds(20));
        try
        {
            var e = await FailureOf(cluster, "list pods", t => cluster.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: t));
            Assert.That(e.Error, Is.EqualTo(FederationError.Unavailable));
            Assert.That(e.Message, Does.Contain("did not answer in time"));
        }
        finally
        {
            cluster.Server.ReleaseHangs();
        }
    }

    [Test]
    public void A_cancellation_by_the_caller_stays_a_cancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.That(Federation.Adapters.Kubernetes.Cluster.KubeApiErrors.Translate("a", "x", new OperationCanceledException(cancelled.Token), cancelled.Token), Is.Null);
    }
}
