using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Federation.RuntimeModule.Engine;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// A workload of two containers (the test app's store and its web part, which keeps ONE connection to the store over
/// localhost in their shared network namespace) against real dockerd, runc and CRIU: checkpointed frozen together, moved
/// and restored whole, the connection between them the same one after the move; a container that cannot be restored
/// fails the whole restore; the Ambassador mirrors both.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class WorkloadOfSeveralTests
{
    private TwoRuntimes runtimes = null!;

    [OneTimeSetUp]
    public async Task StartRuntimes() => runtimes = await TwoRuntimes.StartAsync(TwoRuntimes.Prefix("fedtest-pod"), CancellationToken.None);

    [OneTimeTearDown]
    public async Task RemoveRuntimes()
    {
        if (runtimes is not null) await runtimes.DisposeAsync();
    }

    /// <summary>Whatever a test left (a failed one too) goes, so the next one finds the app port free.</summary>
    [TearDown]
    public async Task RemoveApps()
    {
        foreach (var engine in new[] { runtimes.EngineA, runtimes.EngineB })
        {
            foreach (var app in (await engine.ListAppsAsync(new ListAppsRequest())).Apps)
                await engine.RemoveAppAsync(new RemoveAppRequest { Name = app.Spec.Name, DeleteCheckpoints = true });
        }
    }

    public static AppSpec WebAndStore(string app) => new()
    {
        Name = app,
        Ports = { new PortMapping { ContainerPort = TestApp.Port } },
        Containers =
        {
            new AppContainer
            {
                Name = "store", Image = TestEnvironment.TestAppImage, Env = { ["MODE"] = "store", ["PORT"] = "7001" },
                Volumes = { new VolumeMount { Name = app + "-data", ContainerPath = "/data" } },
            },
            new AppContainer { Name = "web", Image = TestEnvironment.TestAppImage, Env = { ["MODE"] = "web", ["PORT"] = "7000", ["STORE"] = "127.0.0.1:7001" } },
        },
    };

    [Test]
    public async Task Two_containers_move_frozen_together_and_keep_the_connection_between_them()
    {
        const string app = "shop";
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = WebAndStore(app), StartMode = StartMode.Active });
        var portA = TwoRuntimes.AppPort(runtimes.A);
        Assert.That(await TestApp.WaitForWebAsync(portA), Does.StartWith("connections=1 keys=0 backend_connects=1"));
        for (var i = 0; i < 20; i++) Assert.That(await TestApp.SendAsync(portA, $"PUT key{i} value{i}"), Is.EqualTo("ok"));
        using var innerA = TwoRuntimes.InnerDocker(runtimes.A);
        await ExecOkAsync(innerA, $"{app}.store", "echo first > /data/store.txt");
        await ExecOkAsync(innerA, $"{app}.web", "echo first > /web.txt");
        var onA = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
        Assert.That(onA.State, Is.EqualTo(AppState.Running), "running: both containers run");

        // A pre-copy round: both frozen together, dumped, thawed; the app serves on through the same connection.
        var round = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "round-1", LeaveRunning = true });
        Assert.That(round.Timings.Select(t => t.Step), Does.Contain("freeze"));
        Assert.That(await TestApp.SendAsync(portA, "PUT after-round yes"), Is.EqualTo("ok"));
        Assert.That(await TestApp.SendAsync(portA, "STATS"), Is.EqualTo("connections=1 keys=21 backend_connects=1"));
        await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "round-1");
        // Changed after the round was sent: only the freeze's push carries these.
        await ExecOkAsync(innerA, $"{app}.store", "echo second >> /data/store.txt");
        await ExecOkAsync(innerA, $"{app}.web", "echo second >> /web.txt && rm /bin/ls");

        var final = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
        Assert.Multiple(() =>
        {
            Assert.That(final.Files.Any(f => f.Path.StartsWith("store/", StringComparison.Ordinal) && f.Path.EndsWith("pages-1.img", StringComparison.Ordinal)), Is.True,
                "the store has its own sub-checkpoint");
            Assert.That(final.Files.Any(f => f.Path.StartsWith("web/", StringComparison.Ordinal) && f.Path.EndsWith("pages-1.img", StringComparison.Ordinal)), Is.True,
                "the web part has its own sub-checkpoint");
            Assert.That(final.Files.Any(f => f.Path.StartsWith("store/tcp-stream-", StringComparison.Ordinal)), Is.True, "the store's end of the connection was dumped");
            Assert.That(final.Files.Any(f => f.Path.StartsWith("web/tcp-stream-", StringComparison.Ordinal)), Is.True, "the web part's end of the connection was dumped");
        });
        Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).State, Is.EqualTo(AppState.Checkpointed));

        var pushed = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "final");
        Assert.That(pushed.FileTreeFiles, Is.EqualTo(2), "the freeze's push sends each container's changed file, nothing else");
        await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final", Generation = 1 });
        var portB = TwoRuntimes.AppPort(runtimes.B);
        var stats = await TestApp.WaitForWebAsync(portB);
        Assert.Multiple(async () =>
        {
            Assert.That(stats, Is.EqualTo("connections=1 keys=21 backend_connects=1"),
                "the store accepted no new connection and the web part opened none: the connection between them is the one from before the move");
            for (var i = 0; i < 20; i++) Assert.That(await TestApp.SendAsync(portB, $"GET key{i}"), Is.EqualTo($"value=value{i}"));
            Assert.That(await TestApp.SendAsync(portB, "GET after-round"), Is.EqualTo("value=yes"));
            Assert.That((await runtimes.EngineB.GetAppAsync(new GetAppRequest { Name = app })).State, Is.EqualTo(AppState.Running));
        });
        Assert.That(await TestApp.SendAsync(portB, "PUT after-move yes"), Is.EqualTo("ok"));
        Assert.That(await TestApp.SendAsync(portB, "STATS"), Is.EqualTo("connections=1 keys=22 backend_connects=1"));
        Assert.That(await AppContainerNamesAsync(runtimes.B, app), Is.EquivalentTo(new[] { "/shop.store", "/shop.web" }));
        using var innerB = TwoRuntimes.InnerDocker(runtimes.B);
        Assert.Multiple(async () =>
        {
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, $"{app}.store", "/data/store.txt"), Is.EqualTo("first\nsecond\n"), "the store's volume");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, $"{app}.web", "/web.txt"), Is.EqualTo("first\nsecond\n"), "the web part's writable layer");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, $"{app}.web", "/bin/ls"), Is.Null, "a file the web part deleted stays deleted");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, $"{app}.store", "/bin/ls"), Is.Not.Null, "in the web part only");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, $"{app}.store", "/web.txt"), Is.Null, "each container's layer stays its own");
            Assert.That(Directory.Exists(Path.Combine(runtimes.B.CheckpointHostPath, app, ".fs")), Is.False, "the synced trees moved into the containers");
        });

        await runtimes.EngineB.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        Assert.That(await AppContainerNamesAsync(runtimes.B, app), Is.Empty, "removing the app removes every container of it");
    }

    [Test]
    public async Task A_container_that_cannot_be_restored_fails_the_whole_restore_and_the_source_takes_the_workload_back()
    {
        const string app = "halfway";
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = WebAndStore(app), StartMode = StartMode.Active });
        var portA = TwoRuntimes.AppPort(runtimes.A);
        await TestApp.WaitForWebAsync(portA);
        Assert.That(await TestApp.SendAsync(portA, "PUT kept yes"), Is.EqualTo("ok"));
        using var innerA = TwoRuntimes.InnerDocker(runtimes.A);
        await ExecOkAsync(innerA, $"{app}.web", "echo kept > /web.txt");
        await ExecOkAsync(innerA, $"{app}.store", "echo kept > /data/store.txt");
        // The test hook: the web part's restore is refused anywhere but at the source.
        var hook = RestoreFailureHook.RequestPath(runtimes.A.VolumeHostPath, app);
        Directory.CreateDirectory(Path.GetDirectoryName(hook)!);
        await File.WriteAllTextAsync(hook, "web");
        try
        {
            await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
        }
        finally
        {
            File.Delete(hook);
        }
        await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "final");

        var refused = Assert.ThrowsAsync<RpcException>(async () => await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final", Generation = 1 }))!;
        TestContext.Out.WriteLine(refused.Status.Detail);
        Assert.Multiple(async () =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
            Assert.That(refused.Status.Detail, Does.Contain("container 'web'"));
            Assert.That(await AppContainerNamesAsync(runtimes.B, app), Is.Empty, "the store restored before the web part failed is removed again");
            var unknown = Assert.ThrowsAsync<RpcException>(async () => await runtimes.EngineB.GetAppAsync(new GetAppRequest { Name = app }))!;
            Assert.That(unknown.StatusCode, Is.EqualTo(StatusCode.NotFound), "the failed restore left no record of the app");
        });

        // What the coordinator's rollback does: the source restores its own final checkpoint, every container.
        await runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final" });
        Assert.Multiple(async () =>
        {
            Assert.That(await TestApp.WaitForWebAsync(portA), Is.EqualTo("connections=1 keys=1 backend_connects=1"));
            Assert.That(await TestApp.SendAsync(portA, "GET kept"), Is.EqualTo("value=yes"));
            Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).State, Is.EqualTo(AppState.Running));
            Assert.That(await InnerContainerFiles.ReadAsync(innerA, $"{app}.web", "/web.txt"), Is.EqualTo("kept\n"), "the web part's writable layer is kept through the rollback");
            Assert.That(await InnerContainerFiles.ReadAsync(innerA, $"{app}.store", "/data/store.txt"), Is.EqualTo("kept\n"), "the store's volume too");
        });

        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    [Test]
    public async Task The_ambassador_mirrors_every_container_and_exits_with_the_first_failing_one()
    {
        const string app = "mirrored2";
        var ambassador = await runtimes.Host.StartAmbassadorAsync(runtimes.A, WebAndStore(app), StartMode.Active, CancellationToken.None);
        var portA = TwoRuntimes.AppPort(runtimes.A);
        await TestApp.WaitForWebAsync(portA);
        Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).State, Is.EqualTo(AppState.Running));

        Assert.That(await TestApp.SendAsync(portA, "EXIT 4"), Is.EqualTo("bye exit=4"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.That(await runtimes.Host.WaitAsync(ambassador, timeout.Token), Is.EqualTo(4), "the workload's exit code is its failing container's");
        var logs = await runtimes.Host.LogsAsync(ambassador, CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(logs, Does.Contain("[store] testapp: store listening"));
            Assert.That(logs, Does.Contain("[web] testapp: web exiting with 4"));
            var described = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
            Assert.That(described.State, Is.EqualTo(AppState.Exited), "not running once one of its containers stopped");
            Assert.That(described.ExitCode, Is.EqualTo(4));
        });
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    private static async Task ExecOkAsync(Docker.DotNet.DockerClient inner, string container, string script)
    {
        var (code, output) = await InnerContainerFiles.ExecAsync(inner, container, script);
        Assert.That(code, Is.Zero, $"{container}: {script}: {output}");
    }

    private static async Task<IReadOnlyList<string>> AppContainerNamesAsync(RuntimeInstance runtime, string app)
    {
        using var inner = TwoRuntimes.InnerDocker(runtime);
        var list = await inner.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{AppContainers.AppLabel}={app}"] = true } },
        });
        return list.Select(c => c.Names[0]).ToList();
    }
}
