using Docker.DotNet.Models;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// Generations and fences (issue 8): a runtime that fenced an app below a generation never restores or resumes
/// an older copy of it, whatever happened to its Engine.
/// </summary>
public sealed partial class CheckpointRestoreTests
{
    [Test]
    public async Task Restore_below_the_fence_is_refused_before_anything_is_created_and_at_the_fence_runs_that_generation()
    {
        const string app = "fence-restore";
        var port = TwoRuntimes.AppPort(runtimes.A);
        var before = await StartCounterAsync(app);
        try
        {
            await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
            var fenced = await runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 5 });
            Assert.That((fenced.State, fenced.Generation, fenced.FencedBelow), Is.EqualTo((AppState.Checkpointed, 0UL, 5UL)));
            using var inner = TwoRuntimes.InnerDocker(runtimes.A);
            var containersBefore = await ContainerIdsAsync(inner, app);

            GrpcAssert.Status(() => runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final", Generation = 4 }).ResponseAsync,
                StatusCode.FailedPrecondition, "app 'fence-restore' is fenced below generation 5 here: a newer copy runs elsewhere; refusing to restore generation 4");
            GrpcAssert.Status(() => runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final" }).ResponseAsync,
                StatusCode.FailedPrecondition, "refusing to restore generation 0");

            var after = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
            Assert.Multiple(async () =>
            {
                Assert.That(await ContainerIdsAsync(inner, app), Is.EqualTo(containersBefore), "no container created, none removed");
                Assert.That((after.State, after.Generation, after.FencedBelow, after.RestoredFrom), Is.EqualTo((AppState.Checkpointed, 0UL, 5UL, "")), "the record is untouched");
            });

            var restored = await runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final", Generation = 5 });
            Assert.That((restored.App.State, restored.App.Generation, restored.App.FencedBelow), Is.EqualTo((AppState.Running, 5UL, 5UL)));
            var back = await TestApp.WaitAsync(port, "VERIFY");
            Assert.That((back.Seed, back.Fields["verify"]), Is.EqualTo((before.Seed, "ok")), "the same process runs again, at generation 5");
            Assert.That((await runtimes.EngineA.ListAppsAsync(new ListAppsRequest())).Apps.Single(a => a.Spec.Name == app).Generation, Is.EqualTo(5UL));
        }
        finally
        {
            await RemoveQuietlyAsync(runtimes.EngineA, app);
        }
    }

    [Test]
    public async Task Fence_is_refused_while_an_older_copy_runs_here_and_only_ever_rises()
    {
        const string app = "fence-running";
        await StartCounterAsync(app);
        try
        {
            GrpcAssert.Status(() => runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 1 }).ResponseAsync,
                StatusCode.FailedPrecondition, "app 'fence-running' is running here at generation 0: checkpoint it away");
            Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).FencedBelow, Is.Zero, "the refused fence was not set");
            var same = await runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 0 });
            Assert.That((same.State, same.FencedBelow), Is.EqualTo((AppState.Running, 0UL)), "fencing a running copy at its own generation changes nothing");
            GrpcAssert.Status(() => runtimes.EngineA.FenceAsync(new FenceAppRequest { App = "no-such-app", Generation = 1 }).ResponseAsync,
                StatusCode.NotFound, "no-such-app");

            await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
            Assert.That((await runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 2 })).FencedBelow, Is.EqualTo(2UL));
            Assert.That((await runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 2 })).FencedBelow, Is.EqualTo(2UL), "a repeat is the same");
            Assert.That((await runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 1 })).FencedBelow, Is.EqualTo(2UL), "a lower fence lowers nothing");

            await runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final", Generation = 3 });
            Assert.That((await runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 3 })).FencedBelow, Is.EqualTo(3UL),
                "a running copy may be fenced at its own generation");
            GrpcAssert.Status(() => runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 4 }).ResponseAsync,
                StatusCode.FailedPrecondition, "running here at generation 3");
        }
        finally
        {
            await RemoveQuietlyAsync(runtimes.EngineA, app);
        }
    }

    [Test]
    public async Task The_fence_outlives_an_Engine_restart_and_the_apps_removal()
    {
        const string app = "fence-restart";
        await StartCounterAsync(app);
        try
        {
            await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
            await runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 3 });

            await runtimes.KillAndRestartEngineAsync(runtimes.A, CancellationToken.None);

            var after = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
            Assert.That((after.State, after.FencedBelow), Is.EqualTo((AppState.Checkpointed, 3UL)), "the new Engine reads the fence from the runtime's volume");
            GrpcAssert.Status(() => runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final", Generation = 2 }).ResponseAsync,
                StatusCode.FailedPrecondition, "fenced below generation 3");

            // Removed with its checkpoints kept: the checkpoint still carries the app's spec, the runtime still its fence.
            await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app });
            GrpcAssert.Status(() => runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final" }).ResponseAsync,
                StatusCode.FailedPrecondition, "fenced below generation 3");
            GrpcAssert.Status(() => runtimes.EngineA.CreateAppAsync(new CreateAppRequest
            {
                Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 16, dirtyKib: 16), StartMode = StartMode.Active,
            }).ResponseAsync, StatusCode.FailedPrecondition, "refusing to create generation 0");
            Assert.That((await runtimes.EngineA.ListAppsAsync(new ListAppsRequest())).Apps.Select(a => a.Spec.Name), Does.Not.Contain(app), "nothing came back");
        }
        finally
        {
            await RemoveQuietlyAsync(runtimes.EngineA, app, deleteCheckpoints: true);
        }
    }

    [Test]
    public async Task Resume_is_refused_below_the_fence_and_for_an_app_that_does_not_run()
    {
        const string app = "fence-resume";
        await StartCounterAsync(app);
        try
        {
            await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
            await runtimes.EngineA.FenceAsync(new FenceAppRequest { App = app, Generation = 2 });

            GrpcAssert.Status(() => runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = app, Generation = 1 }).ResponseAsync,
                StatusCode.FailedPrecondition, "app 'fence-resume' is fenced below generation 2 here: a newer copy runs elsewhere; refusing to resume generation 1");
            GrpcAssert.Status(() => runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = app, Generation = 2 }).ResponseAsync,
                StatusCode.FailedPrecondition, "app 'fence-resume' is checkpointed here, not frozen");
            GrpcAssert.Status(() => runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = "no-such-app" }).ResponseAsync, StatusCode.NotFound, "no-such-app");
            Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).State, Is.EqualTo(AppState.Checkpointed));
        }
        finally
        {
            await RemoveQuietlyAsync(runtimes.EngineA, app);
        }
    }

    private async Task<TestAppStatus> StartCounterAsync(string app)
    {
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 16, dirtyKib: 16), StartMode = StartMode.Active });
        return await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.A), "VERIFY");
    }

    /// <summary>The test app's counter passes <paramref name="counter"/> within a bound: the app runs.</summary>
    private static async Task CountsOnAsync(int port, ulong counter)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        ulong last;
        while ((last = (await TestApp.AskAsync(port)).Counter) <= counter && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.That(last, Is.GreaterThan(counter), "the app counts on");
    }

    private static async Task<IReadOnlyList<string>> ContainerIdsAsync(Docker.DotNet.DockerClient inner, string app) =>
        (await inner.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"federation.app={app}"] = true } },
        })).Select(c => c.ID).Order(StringComparer.Ordinal).ToList();

    private static async Task RemoveQuietlyAsync(V1.Engine.EngineClient engine, string app, bool deleteCheckpoints = false)
    {
        try { await engine.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = deleteCheckpoints }); }
        catch (RpcException) { }
    }
}
