using System.Net;
using System.Net.Sockets;
using Federation.Adapters;
using Federation.Adapters.Kubernetes;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.Adapters.Kubernetes.Ownership;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Adapters.Kubernetes.Traffic;
using Federation.Adapters.Relay.Hosting;
using Federation.Common.Images;
using Federation.V1;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MockFlavor = Federation.Tests.Kube.KubeFlavor;

namespace Federation.Kubernetes.Tests;

/// <summary>
/// With the registry image source the adapter has each runtime pod's Engine pull the app's image at deploy and at passive-target
/// creation, with the registry's CA and credentials for that registry's images only; a failed pull leaves nothing behind and
/// reaches the caller as one line naming the cluster and the image.
/// </summary>
[TestFixture]
public sealed class RegistryPullTests
{
    private const string Registry = "registry.test:5000";
    private const string CaPem = "-----BEGIN CERTIFICATE-----\nfedtest registry CA\n-----END CERTIFICATE-----\n";
    private static readonly WorkloadId Counter = new("default", "counter");

    private MockCluster cluster = null!;
    private PodStarter starter = null!;
    private RecordingEngines engines = null!;
    private string relayDirectory = null!;
    private CancellationTokenSource timeout = null!;

    [SetUp]
    public async Task StartAsync()
    {
        timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        cluster = await MockCluster.StartAsync(MockFlavor.Kubernetes);
        starter = new PodStarter(cluster.Api, cluster.Client);
        engines = new RecordingEngines();
        relayDirectory = Directory.CreateTempSubdirectory("fedtest-kpull-relay-").FullName;
    }

    [TearDown]
    public async Task StopAsync()
    {
        await starter.DisposeAsync();
        await cluster.DisposeAsync();
        Directory.Delete(relayDirectory, recursive: true);
        timeout.Dispose();
    }

    private KubernetesAdapter Adapter(RegistryPulls? pulls)
    {
        var options = new KubernetesAdapterOptions
        {
            Cluster = "a",
            Flavor = KubeFlavor.Kubernetes,
            Pods = SampleReviews.Options(),
            RelayDirectory = relayDirectory,
            PodReadyTimeout = TimeSpan.FromSeconds(20),
            RegistryPulls = pulls,
        };
        var builder = new RuntimePodBuilder(options.Pods);
        return new KubernetesAdapter(cluster.Api, options, builder, new WorkloadOwners(cluster.Api, builder, NullLogger<WorkloadOwners>.Instance),
            new ServiceTrafficSwitch(cluster.Api, new RelayPod(cluster.Api, options), NullLoggerFactory.Instance), new PlacementProbe(cluster.Api, options),
            engines, NullLoggerFactory.Instance);
    }

    private static RegistryPulls PullsWithCaAndCredentials() => new()
    {
        Registry = Registry,
        CaPem = CaPem,
        Credentials = new RegistryCredentials { Username = "fedtest", Password = "fedtest-password" },
        Timeout = TimeSpan.FromMinutes(2),
    };

    private static AppSpec App(string image, int port = 8080) => new() { Name = "counter", Image = image, Ports = { new PortMapping { ContainerPort = (uint)port } } };

    [Test]
    public async Task Deploy_pulls_the_image_with_the_registrys_CA_and_credentials_before_the_app_starts()
    {
        // Deploy ends by publishing the stable address through the cluster's relay: one runs in-process on the relay pod's directory.
        await using var relay = await RelayServer.StartAsync(new RelaySettings { Directory = relayDirectory }, l => l.ClearProviders(), timeout.Token);
        var adapter = Adapter(PullsWithCaAndCredentials());
        var image = $"{Registry}/team/counter:1";

        var deployed = await adapter.DeployAsync(Counter, App(image, FreeLoopbackPort()), timeout.Token);

        Assert.That(deployed.Image, Is.EqualTo(image));
        var (engine, request) = engines.Pulls.Single();
        Assert.That(engine, Is.EqualTo(new Uri($"http://127.0.0.1:{RuntimePodOptions.EnginePort}")), "the runtime pod's own Engine pulls");
        Assert.That(request.Image, Is.EqualTo(image));
        Assert.That(request.RegistryCaPem, Is.EqualTo(CaPem));
        Assert.That(request.Credentials?.Username, Is.EqualTo("fedtest"));
        Assert.That(request.Credentials?.Password, Is.EqualTo("fedtest-password"));
        Assert.That(request.Timeout.ToTimeSpan(), Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(engines.Calls, Is.EqualTo(new[] { "engine", $"pull {image}", "app" }), "pulled once the Engine answers, before the app is awaited");
    }

    [Test]
    public async Task A_passive_target_pulls_an_image_of_another_registry_without_the_CA_and_credentials()
    {
        var adapter = Adapter(PullsWithCaAndCredentials());
        const string image = "other.example:5000/team/counter:1";

        var target = await adapter.CreatePassiveTargetAsync(Counter, App(image), "m-1", null, timeout.Token);

        Assert.That(target.Role, Is.EqualTo(Federation.Adapters.WorkloadRole.Target));
        var (_, request) = engines.Pulls.Single();
        Assert.That(request.Image, Is.EqualTo(image));
        Assert.That(request.RegistryCaPem, Is.Empty, "the CA is only for the configured registry");
        Assert.That(request.Credentials, Is.Null, "the credentials are only for the configured registry");
        Assert.That(request.Timeout.ToTimeSpan(), Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(engines.Calls, Is.EqualTo(new[] { "engine", $"pull {image}" }), "a target only gets its image: its app comes with the restore");
    }

    [Test]
    public async Task A_passive_target_of_the_registrys_image_gets_the_CA_and_credentials()
    {
        var adapter = Adapter(PullsWithCaAndCredentials());
        var image = $"{Registry}/team/counter@sha256:{new string('a', 64)}";

        await adapter.CreatePassiveTargetAsync(Counter, App(image), "m-1", null, timeout.Token);

        var (_, request) = engines.Pulls.Single();
        Assert.That(request.Image, Is.EqualTo(image));
        Assert.That(request.RegistryCaPem, Is.EqualTo(CaPem));
        Assert.That(request.Credentials?.Username, Is.EqualTo("fedtest"));
    }

    [Test]
    public async Task Without_a_named_registry_every_images_pull_gets_the_CA()
    {
        var adapter = Adapter(new RegistryPulls { CaPem = CaPem });

        await adapter.CreatePassiveTargetAsync(Counter, App("anywhere.example/counter:1"), "m-1", null, timeout.Token);

        var (_, request) = engines.Pulls.Single();
        Assert.That(request.RegistryCaPem, Is.EqualTo(CaPem));
        Assert.That(request.Credentials, Is.Null, "none configured");
    }

    [Test]
    public async Task Without_the_registry_source_nothing_is_pulled()
    {
        var adapter = Adapter(null);

        await adapter.CreatePassiveTargetAsync(Counter, App($"{Registry}/team/counter:1"), "m-1", null, timeout.Token);

        Assert.That(engines.Pulls, Is.Empty);
        Assert.That(engines.Calls, Is.EqualTo(new[] { "engine" }));
    }

    [TestCase(true, FederationError.NotFound, "manifest for registry.test:5000/team/missing:1 not found")]
    [TestCase(false, FederationError.NotFound, "manifest for registry.test:5000/team/missing:1 not found")]
    [TestCase(true, FederationError.PermissionDenied, "registry registry.test:5000 refused the credentials")]
    [TestCase(false, FederationError.Unavailable, "registry registry.test:5000 unreachable: connection refused")]
    public async Task A_failed_pull_removes_the_created_pod_and_fails_with_one_line(bool deploy, FederationError error, string reason)
    {
        var adapter = Adapter(PullsWithCaAndCredentials());
        engines.PullFailure = new FederationException(error, reason);
        var image = $"{Registry}/team/missing:1";

        var e = Assert.ThrowsAsync<FederationException>(() => deploy
            ? adapter.DeployAsync(Counter, App(image), timeout.Token)
            : adapter.CreatePassiveTargetAsync(Counter, App(image), "m-1", null, timeout.Token))!;

        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Error, Is.EqualTo(error));
        Assert.That(e.Message, Is.EqualTo($"cluster 'a' could not pull image {image}: {reason}"));
        Assert.That(engines.Pulls, Has.Count.EqualTo(1), "the pull was tried");
        Assert.That(engines.Calls, Does.Not.Contain("app"), "nothing is started after a failed pull");
        Assert.That((await cluster.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: timeout.Token)).Items, Is.Empty, "no pod left");
        Assert.That((await cluster.Client.CoreV1.ListNamespacedServiceAsync("default", labelSelector: "federation.io/workload", cancellationToken: timeout.Token)).Items,
            Is.Empty, "no peer or stable-address service left");
        Assert.That((await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default", cancellationToken: timeout.Token)).Items, Is.Empty, "no healer left");
        Assert.That(await adapter.GetWorkloadAsync(Counter, timeout.Token), Is.Null);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
