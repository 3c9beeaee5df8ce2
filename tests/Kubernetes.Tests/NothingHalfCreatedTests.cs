using Federation.Adapters;
using Federation.Adapters.Kubernetes;
using Federation.Adapters.Kubernetes.Ownership;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Adapters.Kubernetes.Traffic;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.V1;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using MockFlavor = Federation.Tests.Kube.KubeFlavor;

namespace Federation.Kubernetes.Tests;

/// <summary>An API failure part-way through leaves nothing of the workload behind, and reaches the caller as one clear line.</summary>
[TestFixture]
public sealed class NothingHalfCreatedTests
{
    private sealed class NoEngines : IRuntimeEngines
    {
        public string Credential => "fedtest-credential";
        public Task<DescribeResponse> DescribeAsync(Uri engine, CancellationToken ct) => throw new NotSupportedException();
        public Task WaitForEngineAsync(Uri engine, string runtime, TimeSpan timeout, Func<CancellationToken, Task<string?>> whyGone, CancellationToken ct) => throw new NotSupportedException();
        public Task WaitForAppAsync(WorkloadInfo workload, TimeSpan timeout, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyCollection<string>> PlaceImageAsync(Uri engine, string image, Func<CancellationToken, Task<Stream>> openArchive, CancellationToken ct) => throw new NotSupportedException();
        public Task<PullImageProgress> PullImageAsync(Uri engine, PullImageRequest request, IProgress<PullImageProgress>? progress, CancellationToken ct) => throw new NotSupportedException();
    }

    private static KubernetesAdapter AdapterOn(MockCluster cluster)
    {
        var options = new KubernetesAdapterOptions
        {
            Cluster = "a",
            Flavor = KubeFlavor.Kubernetes,
            Pods = SampleReviews.Options(),
            RelayDirectory = Path.Combine(Path.GetTempPath(), $"fedtest-relay-{Guid.NewGuid():N}"),
            PodReadyTimeout = TimeSpan.FromSeconds(5),
        };
        var builder = new RuntimePodBuilder(options.Pods);
        return new KubernetesAdapter(cluster.Api, options, builder, new WorkloadOwners(cluster.Api, builder, NullLogger<WorkloadOwners>.Instance),
            new ServiceTrafficSwitch(cluster.Api, new RelayPod(cluster.Api, options), NullLoggerFactory.Instance), new PlacementProbe(cluster.Api, options),
            new NoEngines(), NullLoggerFactory.Instance);
    }

    private static AppSpec Counter() => new() { Name = "counter", Image = "registry.test/testapp:1", Ports = { new PortMapping { ContainerPort = 8080 } } };

    [Test]
    public async Task A_workload_with_a_shared_volume_is_refused_before_anything_is_created()
    {
        await using var cluster = await MockCluster.StartAsync(MockFlavor.Kubernetes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var adapter = AdapterOn(cluster);
        var spec = Counter();
        spec.Volumes.Add(new VolumeMount { Name = "common", ContainerPath = "/shared", Shared = true });
        var e = Assert.ThrowsAsync<FederationException>(() => adapter.DeployAsync(new WorkloadId("default", "counter"), spec, timeout.Token))!;
        Assert.That(e.Error, Is.EqualTo(FederationError.FailedPrecondition));
        Assert.That(e.Message, Is.EqualTo(
            "workload default/counter uses shared volume 'common', but the Kubernetes adapter gives runtimes no shared storage: use a volume that is copied"));
        Assert.That((await cluster.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: timeout.Token)).Items, Is.Empty, "no pod created");
    }

    [TestCase("create", "services", 422, FederationError.InvalidArgument)]
    [TestCase("create", "services", 403, FederationError.PermissionDenied)]
    [TestCase("create", "pods", 403, FederationError.PermissionDenied)]
    [TestCase("create", "pods", 409, FederationError.AlreadyExists)]
    public async Task A_target_whose_creation_fails_leaves_no_pod_and_no_service(string verb, string resource, int code, FederationError error)
    {
        await using var cluster = await MockCluster.StartAsync(MockFlavor.Kubernetes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var adapter = AdapterOn(cluster);
        cluster.Server.FailNext(verb, resource, code);
        var e = Assert.ThrowsAsync<FederationException>(() => adapter.CreatePassiveTargetAsync(new WorkloadId("default", "counter"), Counter(), "m-1", null, timeout.Token))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Error, Is.EqualTo(error));
        Assert.That(e.Message, Does.Contain($"answered {code}").And.Not.Contain("\n"));
        Assert.That((await cluster.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: timeout.Token)).Items, Is.Empty, "no pod left");
        Assert.That((await cluster.Client.CoreV1.ListNamespacedServiceAsync("default", labelSelector: "federation.io/workload", cancellationToken: timeout.Token)).Items, Is.Empty,
            "no service left");
        Assert.That(await adapter.GetWorkloadAsync(new WorkloadId("default", "counter"), timeout.Token), Is.Null);
    }

    [Test]
    public async Task A_target_that_never_starts_is_removed_after_its_bound()
    {
        // The mock runs no pods: the target never gets an address, and the adapter removes what it created.
        await using var cluster = await MockCluster.StartAsync(MockFlavor.Kubernetes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var adapter = AdapterOn(cluster);
        var e = Assert.ThrowsAsync<FederationException>(() => adapter.CreatePassiveTargetAsync(new WorkloadId("default", "counter"), Counter(), "m-1", null, timeout.Token))!;
        Assert.That(e.Error, Is.EqualTo(FederationError.Unavailable));
        Assert.That(e.Message, Does.StartWith("pod default/counter-").And.Contain("was not ready within 5 s"));
        Assert.That((await cluster.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: timeout.Token)).Items, Is.Empty);
        Assert.That((await cluster.Client.CoreV1.ListNamespacedServiceAsync("default", labelSelector: "federation.io/workload", cancellationToken: timeout.Token)).Items, Is.Empty);
        var secret = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("federation-engine-credential", "default", cancellationToken: timeout.Token);
        Assert.That(System.Text.Encoding.UTF8.GetString(secret.Data["token"]), Is.EqualTo("fedtest-credential"), "the namespace's Engine credential (shared by every runtime there) stays");
    }
}
