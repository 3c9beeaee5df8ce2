using System.Security.Cryptography;
using Federation.RuntimeModule.Engine.Lazy;
using Federation.Testing;
using Federation.Tests.Shared;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// Post-copy (lazy pages) against real dockerd, runc and CRIU: A dumps the app without its memory and serves the pages,
/// B restores it at once and its CRIU fetches every page through the page tunnel between the two Engines' ports; the app
/// on B has the same memory. A tunnel that breaks mid-way stops B's incomplete copy and leaves A's intact for Resume.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class LazyPagesTests
{
    private const int Mib = 128;

    private TwoRuntimes runtimes = null!;

    [OneTimeSetUp]
    public async Task StartRuntimes()
    {
        runtimes = await TwoRuntimes.StartAsync(TwoRuntimes.Prefix("fedtest-lazy"), CancellationToken.None);
        foreach (var engine in new[] { runtimes.EngineA, runtimes.EngineB })
        {
            var described = await engine.DescribeAsync(new DescribeRequest());
            Assert.That(described.LazyPages, Is.True, "criu check --feature uffd-noncoop fails in the runtime: this kernel cannot restore lazily");
        }
    }

    [OneTimeTearDown]
    public async Task RemoveRuntimes()
    {
        if (runtimes is not null) await runtimes.DisposeAsync();
    }

    [TearDown]
    public async Task RemoveApps()
    {
        var hook = PageTunnelBreakHook.RequestPath(runtimes.A.VolumeHostPath, "lazy-broken");
        if (File.Exists(hook)) File.Delete(hook);
        foreach (var engine in new[] { runtimes.EngineA, runtimes.EngineB })
        {
            foreach (var app in (await engine.ListAppsAsync(new ListAppsRequest())).Apps)
                await engine.RemoveAppAsync(new RemoveAppRequest { Name = app.Spec.Name, DeleteCheckpoints = true });
        }
    }

    [Test]
    public async Task A_lazy_move_runs_at_once_on_the_destination_and_fetches_every_page_from_the_source()
    {
        const string app = "lazy-mover";
        var (before, lastBefore) = await StartAppAsync(app);

        var checkpoint = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "lazy-1", LazyPages = true });
        TestContext.Out.WriteLine($"lazy checkpoint: {checkpoint.TotalBytes} bytes in {checkpoint.Files.Count} files; " + Timings(checkpoint.Timings));
        Assert.Multiple(() =>
        {
            Assert.That(checkpoint.LazyPages, Is.True);
            Assert.That(checkpoint.TotalBytes, Is.LessThan(4UL << 20), "the memory stays at the source");
            Assert.That(checkpoint.Files.Select(f => f.Path), Does.Contain("lazy-pages"));
        });
        Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).CheckpointInProgress, Is.True,
            "the dump lasts until the destination has every page");

        await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "lazy-1");
        var key = Key();
        var serving = ServeAsync(app, "lazy-1", key);
        var restored = await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "lazy-1", LazyPagesKey = key });
        TestContext.Out.WriteLine("lazy restore: " + Timings(restored.Timings));
        Assert.That(restored.App.State, Is.EqualTo(AppState.Running));

        var portB = TwoRuntimes.AppPort(runtimes.B);
        var after = await TestApp.WaitAsync(portB, "SUM");
        var served = await serving;
        TestContext.Out.WriteLine($"pages served: {served.BytesToDestination} bytes to B, {served.BytesFromDestination} back, {served.Elapsed.ToTimeSpan().TotalMilliseconds:F0} ms");
        Assert.Multiple(() =>
        {
            Assert.That(after.Seed, Is.EqualTo(before.Seed), "same process memory (a restart draws a new seed)");
            Assert.That(after.Checksum, Is.EqualTo(before.Checksum), "memory checksum unchanged");
            Assert.That(after.Fields["memsum"], Is.EqualTo(before.Checksum), "every page re-read on B matches");
            Assert.That(after.Counter, Is.GreaterThanOrEqualTo(lastBefore.Counter), "the counter continues");
            Assert.That(served.Completed, Is.True);
            Assert.That(served.BytesToDestination, Is.GreaterThan((ulong)Mib << 20), "every page of the app crossed the tunnel");
        });
        var onA = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
        Assert.Multiple(() =>
        {
            Assert.That(onA.State, Is.EqualTo(AppState.Checkpointed), "A no longer runs the app once every page was served");
            Assert.That(onA.CheckpointInProgress, Is.False);
        });
        await Task.Delay(200);
        var onB = await runtimes.EngineB.GetAppAsync(new GetAppRequest { Name = app });
        Assert.Multiple(() =>
        {
            Assert.That(onB.State, Is.EqualTo(AppState.Running));
            Assert.That(onB.Failure, Is.Empty);
        });
        Assert.That((await TestApp.AskAsync(portB)).Counter, Is.GreaterThan(after.Counter), "and keeps counting on B");
    }

    [Test]
    public async Task A_tunnel_that_breaks_mid_way_stops_the_incomplete_copy_and_the_source_resumes_with_its_memory()
    {
        const string app = "lazy-broken";
        var (before, lastBefore) = await StartAppAsync(app);
        // The source dies, as far as the destination can tell, after 16 MiB of pages.
        var hook = PageTunnelBreakHook.RequestPath(runtimes.A.VolumeHostPath, app);
        Directory.CreateDirectory(Path.GetDirectoryName(hook)!);
        await File.WriteAllTextAsync(hook, (16 << 20).ToString());

        await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "lazy-1", LazyPages = true });
        await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "lazy-1");
        var key = Key();
        var serving = ServeAsync(app, "lazy-1", key);
        await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "lazy-1", LazyPagesKey = key });

        var broke = Assert.ThrowsAsync<RpcException>(async () => await serving);
        TestContext.Out.WriteLine("source: " + broke!.Status.Detail);
        Assert.Multiple(() =>
        {
            Assert.That(broke.StatusCode, Is.EqualTo(StatusCode.Unavailable));
            Assert.That(broke.Status.Detail, Does.StartWith("page tunnel broke after 16.0 MiB (test hook"));
        });

        var onB = await WaitForAsync(runtimes.EngineB, app, a => a.Failure.Length > 0, "B stops its copy and says why");
        TestContext.Out.WriteLine("destination: " + onB.Failure);
        Assert.Multiple(() =>
        {
            Assert.That(onB.State, Is.EqualTo(AppState.Exited));
            Assert.That(onB.Failure, Does.Contain("lost its pages").And.Contain("incomplete"));
        });

        var onA = await WaitForAsync(runtimes.EngineA, app, a => !a.CheckpointInProgress, "A's dump ends");
        Assert.That(onA.State, Is.EqualTo(AppState.Paused), "the source's app is stopped, not gone and not running");
        var resumed = await runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = app, Generation = 0 });
        Assert.That(resumed.State, Is.EqualTo(AppState.Running));
        var portA = TwoRuntimes.AppPort(runtimes.A);
        var after = await TestApp.WaitAsync(portA, "SUM");
        Assert.Multiple(() =>
        {
            Assert.That(after.Seed, Is.EqualTo(before.Seed), "the same process at the source");
            Assert.That(after.Fields["memsum"], Is.EqualTo(before.Checksum), "with every page of its memory");
            Assert.That(after.Counter, Is.GreaterThanOrEqualTo(lastBefore.Counter), "the counter continues");
        });
    }

    [Test]
    public async Task Removing_an_app_whose_lazy_dump_still_serves_ends_the_dump_and_leaves_nothing()
    {
        const string app = "lazy-removed";
        await StartAppAsync(app);
        await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "lazy-1", LazyPages = true });

        var removed = await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });

        Assert.That(removed.Removed, Is.True);
        GrpcAssert.Status(() => runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app }).ResponseAsync, StatusCode.NotFound, "is not in this runtime");
        using var inner = TwoRuntimes.InnerDocker(runtimes.A);
        var left = await inner.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters { All = true });
        Assert.That(left.SelectMany(c => c.Names), Has.None.Contains(app), "no container of the app is left");
    }

    private async Task<(TestAppStatus First, TestAppStatus Last)> StartAppAsync(string app)
    {
        // No dirtying: the memory checksum must come out of B exactly as it went into A.
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: Mib, dirtyKib: 0), StartMode = StartMode.Active });
        var portA = TwoRuntimes.AppPort(runtimes.A);
        var first = await TestApp.WaitAsync(portA);
        await Task.Delay(300);
        var last = await TestApp.AskAsync(portA);
        Assert.That(last.Counter, Is.GreaterThan(first.Counter), "the app counts before the move");
        return (first, last);
    }

    /// <summary>A's ServePages read to its end: its last progress.</summary>
    private async Task<PageServingProgress> ServeAsync(string app, string checkpoint, string key)
    {
        using var call = runtimes.EngineA.ServePages(new ServePagesRequest
        {
            App = app, Checkpoint = checkpoint, TargetEndpoint = runtimes.B.PeerEngineEndpoint.ToString(), Key = key,
        }, deadline: DateTime.UtcNow.AddMinutes(2));
        PageServingProgress? last = null;
        await foreach (var progress in call.ResponseStream.ReadAllAsync()) last = progress;
        return last ?? throw new InvalidOperationException("ServePages ended without progress");
    }

    private static Task<App> WaitForAsync(V1.Engine.EngineClient engine, string app, Func<App, bool> done, string what) =>
        Eventually.WaitAsync(async () => await engine.GetAppAsync(new GetAppRequest { Name = app }) is var current && done(current) ? current : null,
            what, seconds: 30);

    private static string Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string Timings(IEnumerable<StepTiming> timings) =>
        string.Join(", ", timings.Select(t => $"{t.Step} {t.Duration.ToTimeSpan().TotalMilliseconds:F0} ms"));
}
