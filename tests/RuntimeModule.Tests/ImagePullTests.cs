using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Federation.Coordinator.Engines;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// A runtime's inner dockerd pulls from the real test registry (scripts/setup.sh: Debian's docker-registry over TLS
/// with its own CA) through the Engine's PullImage: the image runs; a second pull fetches nothing (the registry's
/// access log says so); an unknown image, an unreachable or untrusted registry and bad input give clear statuses and
/// leave nothing behind. A fresh runtime of its own, so that no image loaded by other tests shares its layers.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ImagePullTests
{
    private DockerClient docker = null!;
    private RuntimeEngines engines = null!;
    private DockerRuntimeHost host = null!;
    private RuntimeInstance runtime = null!;
    private V1.Engine.EngineClient engine = null!;
    private string runtimeAddress = "";

    [OneTimeSetUp]
    public async Task StartRuntime()
    {
        TestEnvironment.RequireRegistry();
        docker = TestEnvironment.OuterDocker();
        engines = new RuntimeEngines(Federation.Common.Auth.BearerToken.New());
        var prefix = TwoRuntimes.Prefix("fedtest-rm") + "-pull";
        host = new DockerRuntimeHost(docker, new RuntimeLaunchOptions { RuntimeImage = TestEnvironment.RuntimeImage, OwnerLabel = "federation-test", Network = prefix }, engines);
        foreach (var stale in await host.ListRuntimesAsync(CancellationToken.None))
        {
            if (stale == prefix) await host.RemoveAsync(stale, CancellationToken.None);
        }
        runtime = await host.StartRuntimeAsync(prefix, [TestApp.Port], CancellationToken.None);
        engine = engines.For(runtime.EngineEndpoint);
        var inspect = await docker.Containers.InspectContainerAsync(runtime.RuntimeContainerId);
        runtimeAddress = inspect.NetworkSettings.Networks.Values.Select(n => n.IPAddress).First(ip => !string.IsNullOrEmpty(ip));
    }

    [OneTimeTearDown]
    public async Task RemoveRuntime()
    {
        if (runtime is not null) await host.RemoveAsync(runtime.Name, CancellationToken.None);
        engines?.Dispose();
        docker?.Dispose();
    }

    [Test, Order(1)]
    public async Task The_runtime_pulls_the_test_app_from_the_registry_and_runs_it_and_a_second_pull_fetches_nothing()
    {
        var image = TestEnvironment.RegistryTestAppImage;
        var logBefore = LogLength();
        var steps = new List<PullImageProgress>();
        var pulled = await engines.PullImageAsync(runtime.EngineEndpoint, PullOf(image), new SynchronousProgress(steps), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(pulled.Completed, Is.True);
            Assert.That(pulled.AlreadyPresent, Is.False, "a fresh runtime has no image");
            Assert.That(pulled.ImageId, Does.StartWith("sha256:"));
            Assert.That(pulled.RepoDigests, Has.Some.StartsWith($"{TestEnvironment.Registry}/federation/testapp@sha256:"));
            Assert.That(steps.Select(s => s.Status), Has.Some.Contains("Pull complete").Or.Some.Contains("Download complete"), "Docker's progress was streamed");
        });
        var fetched = BlobFetchesSince(logBefore);
        Assert.That(fetched, Is.Not.Empty, $"the registry served the image's blobs to the runtime ({runtimeAddress})");

        // It runs from the pulled image.
        var spec = TestApp.Spec("pulled", image, mib: 1, dirtyKib: 0);
        await engine.CreateAppAsync(new CreateAppRequest { Spec = spec, StartMode = StartMode.Active });
        try
        {
            var first = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtime));
            // The app counts on its own clock: ask until it has moved on (bounded), never a fixed sleep.
            var second = await TestApp.AskAsync(TwoRuntimes.AppPort(runtime));
            for (var ask = 0; ask < 100 && second.Counter <= first.Counter; ask++)
            {
                await Task.Delay(100);
                second = await TestApp.AskAsync(TwoRuntimes.AppPort(runtime));
            }
            Assert.That(second.Counter, Is.GreaterThan(first.Counter), "the app from the pulled image serves and counts");
            var app = await engine.GetAppAsync(new GetAppRequest { Name = "pulled" });
            Assert.That(app.State, Is.EqualTo(AppState.Running));
        }
        finally
        {
            await engine.RemoveAppAsync(new RemoveAppRequest { Name = "pulled", DeleteCheckpoints = true });
        }

        // Again: the runtime has it, the registry sees no request at all.
        var logAgain = LogLength();
        var again = await engines.PullImageAsync(runtime.EngineEndpoint, PullOf(image), null, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(again.AlreadyPresent, Is.True);
            Assert.That(again.ImageId, Is.EqualTo(pulled.ImageId));
            Assert.That(RequestsSince(logAgain), Is.Empty, "no second fetch: the registry saw nothing from the runtime");
        });

        // By digest too: the same image, already here.
        var byDigest = pulled.RepoDigests.First(d => d.StartsWith(TestEnvironment.Registry, StringComparison.Ordinal));
        var digestPull = await engines.PullImageAsync(runtime.EngineEndpoint, PullOf(byDigest), null, CancellationToken.None);
        Assert.That(digestPull.AlreadyPresent, Is.True, byDigest);
    }

    [Test]
    public async Task An_unknown_image_is_NotFound_and_leaves_nothing()
    {
        var before = await ImagesAsync();
        var image = $"{TestEnvironment.Registry}/federation/no-such-image:1";
        var e = GrpcAssert.Status(() => Drain(PullOf(image)), StatusCode.NotFound, "no-such-image");
        Assert.That(e.Status.Detail, Does.Contain("not in registry"));
        Assert.That(await ImagesAsync(), Is.EquivalentTo(before), "no image appeared");

        // Through the coordinator's client: the same status as a FederationException.
        var fe = Assert.ThrowsAsync<FederationException>(() => engines.PullImageAsync(runtime.EngineEndpoint, PullOf(image), null, CancellationToken.None));
        Assert.That(fe!.Error, Is.EqualTo(FederationError.NotFound), fe.Message);
    }

    [Test]
    public async Task An_unreachable_registry_is_Unavailable_and_leaves_nothing_not_even_its_CA()
    {
        // Nothing listens on port 1 of the runtime's own loopback.
        var before = await ImagesAsync();
        var e = GrpcAssert.Status(() => Drain(PullOf("127.0.0.1:1/federation/testapp:1")),
            StatusCode.Unavailable, "unreachable");
        Assert.That(e.Status.Detail, Does.Contain("127.0.0.1:1"));
        Assert.That(await ImagesAsync(), Is.EquivalentTo(before));
        Assert.That(Directory.Exists(await InRuntimeAsync("/etc/docker/certs.d/127.0.0.1:1")), Is.False, "the CA this failed pull installed was taken back");
    }

    [Test]
    public async Task A_registry_whose_CA_was_not_given_is_not_trusted()
    {
        var certs = await InRuntimeAsync($"/etc/docker/certs.d/{TestEnvironment.Registry}");
        if (Directory.Exists(certs)) Directory.Delete(certs, recursive: true);
        var request = new PullImageRequest { Image = $"{TestEnvironment.Registry}/federation/not-pushed:1" };
        GrpcAssert.Status(() => Drain(request), StatusCode.FailedPrecondition, "not trusted");
    }

    [TestCase("", "image reference")]
    [TestCase("bad image", "image reference")]
    [TestCase("repo:tag:extra", "image reference")]
    [TestCase("federation/Upper:1", "image reference")]
    public void Malformed_references_are_InvalidArgument(string image, string mentions) =>
        GrpcAssert.Status(() => Drain(PullOf(image)), StatusCode.InvalidArgument, mentions);

    [Test]
    public void Bad_CA_credentials_and_timeout_are_InvalidArgument()
    {
        var image = $"{TestEnvironment.Registry}/federation/x:1";
        Assert.Multiple(() =>
        {
            GrpcAssert.Status(() => Drain(new PullImageRequest { Image = image, RegistryCaPem = "not a certificate" }), StatusCode.InvalidArgument, "registry CA");
            GrpcAssert.Status(() => Drain(new PullImageRequest { Image = image, Credentials = new RegistryCredentials { Username = "only-a-name" } }),
                StatusCode.InvalidArgument, "credentials");
            GrpcAssert.Status(() => Drain(new PullImageRequest { Image = image, Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(2)) }),
                StatusCode.InvalidArgument, "timeout");
        });
    }

    private async Task Drain(PullImageRequest request)
    {
        using var call = engine.PullImage(request);
        await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
    }

    private static PullImageRequest PullOf(string image) => new() { Image = image, RegistryCaPem = TestEnvironment.RegistryCaPem };

    private async Task<List<string>> ImagesAsync()
    {
        using var inner = TwoRuntimes.InnerDocker(runtime);
        var images = await inner.Images.ListImagesAsync(new ImagesListParameters { All = true });
        return images.Select(i => i.ID).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A path of the runtime container's own filesystem (where its dockerd reads certs.d), as this host sees it.</summary>
    private async Task<string> InRuntimeAsync(string path)
    {
        var inspect = await docker.Containers.InspectContainerAsync(runtime.RuntimeContainerId);
        return Path.Combine(inspect.GraphDriver.Data["MergedDir"], path.TrimStart('/'));
    }

    private static long LogLength() => new FileInfo(TestEnvironment.RegistryAccessLog).Length;

    /// <summary>The registry's access-log lines since <paramref name="offset"/> of requests from this fixture's runtime.</summary>
    private List<string> RequestsSince(long offset)
    {
        using var log = new FileStream(TestEnvironment.RegistryAccessLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(log);
        return reader.ReadToEnd().Split('\n').Where(l => l.StartsWith(runtimeAddress + " ", StringComparison.Ordinal)).ToList();
    }

    private List<string> BlobFetchesSince(long offset) =>
        RequestsSince(offset).Where(l => l.Contains("\"GET /v2/federation/testapp/blobs/sha256:", StringComparison.Ordinal)).ToList();

    private sealed class SynchronousProgress(List<PullImageProgress> steps) : IProgress<PullImageProgress>
    {
        public void Report(PullImageProgress value) => steps.Add(value);
    }
}
