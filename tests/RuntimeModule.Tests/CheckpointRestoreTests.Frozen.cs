using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// Apps stopped in place (issue 8): the Engine reports an app whose processes are frozen, or whose network a dump
/// that never ended left locked, as paused, whatever Docker says; Resume makes it serve again, except under a running dump.
/// </summary>
public sealed partial class CheckpointRestoreTests
{
    [Test]
    public async Task An_app_frozen_behind_Dockers_back_is_reported_paused_and_Resume_makes_it_count_on()
    {
        const string app = "frozen-app";
        var port = TwoRuntimes.AppPort(runtimes.A);
        await StartCounterAsync(app);
        try
        {
            var running = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
            var freezer = HostCgroupFreezer.Of(running.ContainerId);
            await freezer.FreezeAsync();
            using var inner = TwoRuntimes.InnerDocker(runtimes.A);
            Assert.That((await inner.Containers.InspectContainerAsync(running.ContainerId)).State.Status, Is.EqualTo("running"), "Docker does not know");

            var frozen = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
            Assert.Multiple(async () =>
            {
                Assert.That(frozen.State, Is.EqualTo(AppState.Paused), "the Engine reports what the processes do");
                Assert.That(frozen.CheckpointInProgress, Is.False);
                Assert.That((await runtimes.EngineA.ListAppsAsync(new ListAppsRequest())).Apps.Single(a => a.Spec.Name == app).State, Is.EqualTo(AppState.Paused));
                Assert.That((await runtimes.EngineA.ProbeAsync(new ProbeRequest { App = app })).AppRunning, Is.False);
            });

            var resumed = await runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = app, Generation = 0 });
            Assert.That(resumed.State, Is.EqualTo(AppState.Running));
            Assert.That(freezer.IsFrozen, Is.False, "the cgroup is thawed");
            var counting = await TestApp.WaitAsync(port, "VERIFY");
            await CountsOnAsync(port, counting.Counter);
            Assert.That((await runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = app })).State, Is.EqualTo(AppState.Running), "resuming a running app changes nothing");

            // Paused through Docker: Resume unpauses it through Docker.
            await inner.Containers.PauseContainerAsync(running.ContainerId);
            Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).State, Is.EqualTo(AppState.Paused));
            Assert.That((await runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = app })).State, Is.EqualTo(AppState.Running));
            Assert.That((await inner.Containers.InspectContainerAsync(running.ContainerId)).State.Status, Is.EqualTo("running"));
            await CountsOnAsync(port, (await TestApp.AskAsync(port)).Counter);
        }
        finally
        {
            await RemoveQuietlyAsync(runtimes.EngineA, app);
        }
    }

    [Test]
    public async Task An_Engine_killed_mid_dump_leaves_the_app_cut_off_and_the_next_Engine_reports_it_paused_and_resumes_it()
    {
        // Issue 8, defect 6: a final checkpoint whose CRIU died half way; Docker still says "running", the app serves nobody.
        const string app = "killed-dump";
        var port = TwoRuntimes.AppPort(runtimes.A);
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 64, dirtyKib: 16), StartMode = StartMode.Active });
        var before = await TestApp.WaitAsync(port, "VERIFY");
        IReadOnlyList<int> criu = [];
        try
        {
            var running = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
            var appProcess = HostCgroupFreezer.Of(running.ContainerId).HostPid;
            var call = runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final", Method = CheckpointMethod.Runc }).ResponseAsync;
            // The hooks (the host sees every nested process and namespace): CRIU has seized the app and locked its network.
            // Stopped there, it dies with its Engine half way through the dump, however fast it would have been.
            Assert.That(await CriuProcess.WaitForNetworkLockAsync(appProcess, TimeSpan.FromSeconds(30)), Is.True, "CRIU locked the app's network");
            var dumper = await CriuProcess.WaitForTracerOfAsync(appProcess, TimeSpan.Zero);
            Assert.That(dumper, Is.Not.Null, "CRIU holds the app");
            criu = [dumper!.Value];
            await CriuProcess.SignalAllAsync(criu, "STOP");

            await runtimes.KillAndRestartEngineAsync(runtimes.A, CancellationToken.None);
            Assert.ThrowsAsync<RpcException>(async () => await call, "the checkpoint died with its Engine");
            Assert.That(CriuProcess.IsAlive(dumper.Value), Is.False, "its CRIU died with the Engine");
            using (var inner = TwoRuntimes.InnerDocker(runtimes.A))
                Assert.That((await inner.Containers.InspectContainerAsync(running.ContainerId)).State.Status, Is.EqualTo("running"), "Docker says running");
            using (var shortly = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
                Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), () => TestApp.AskAsync(port, ct: shortly.Token), "the app answers nobody");

            var found = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
            Assert.Multiple(async () =>
            {
                Assert.That(found.State, Is.EqualTo(AppState.Paused), "reported as it is: stopped in place, not running");
                Assert.That(found.CheckpointInProgress, Is.False, "no dump runs any more");
                Assert.That((await runtimes.EngineA.ListCheckpointsAsync(new ListCheckpointsRequest { App = app })).Checkpoints.Select(c => c.Checkpoint),
                    Does.Contain("final"), "the incomplete checkpoint is there");
            });

            GrpcAssert.Status(() => runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final-2" }).ResponseAsync,
                StatusCode.FailedPrecondition, "app 'killed-dump' has an unfinished dump 'final' (its Engine died during it): resume the app");

            var resumed = await runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = app, Generation = 0 });
            Assert.That(resumed.State, Is.EqualTo(AppState.Running));
            var after = await TestApp.WaitAsync(port, "VERIFY");
            Assert.Multiple(async () =>
            {
                Assert.That(after.Seed, Is.EqualTo(before.Seed), "the same process");
                Assert.That(after.Fields["verify"], Is.EqualTo("ok"));
                Assert.That((await runtimes.EngineA.ListCheckpointsAsync(new ListCheckpointsRequest { App = app })).Checkpoints, Is.Empty,
                    "the incomplete checkpoint is gone");
            });
            await CountsOnAsync(port, after.Counter);
            var again = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "round-2", LeaveRunning = true });
            Assert.That(again.Files.Select(f => f.Path), Has.Some.StartsWith("pages-"), "and it can be checkpointed again");
        }
        finally
        {
            await CriuProcess.SignalAllAsync(criu, "KILL");
            await RemoveQuietlyAsync(runtimes.EngineA, app, deleteCheckpoints: true);
        }
    }

    [Test]
    public async Task A_running_dump_is_reported_and_Resume_does_not_thaw_the_app_under_it()
    {
        const string app = "dumping";
        var port = TwoRuntimes.AppPort(runtimes.A);
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 64, dirtyKib: 16), StartMode = StartMode.Active });
        await TestApp.WaitAsync(port, "VERIFY");
        IReadOnlyList<int> criu = [];
        try
        {
            var freezer = HostCgroupFreezer.Of((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).ContainerId);
            var call = runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "round-1", LeaveRunning = true, Method = CheckpointMethod.Runc }).ResponseAsync;
            // Held in the middle of its dump: CRIU has seized the app and stops there until the test lets it go on.
            var dumper = await CriuProcess.WaitForTracerOfAsync(freezer.HostPid, TimeSpan.FromSeconds(30));
            Assert.That(dumper, Is.Not.Null, "CRIU seized the app");
            criu = [dumper!.Value];
            await CriuProcess.SignalAllAsync(criu, "STOP");

            Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).CheckpointInProgress, Is.True, "a dump of the app runs");
            GrpcAssert.Status(() => runtimes.EngineA.ResumeAsync(new ResumeAppRequest { App = app }).ResponseAsync,
                StatusCode.FailedPrecondition, "app 'dumping' is being checkpointed here");

            await CriuProcess.SignalAllAsync(criu, "CONT");
            var checkpoint = await call;
            Assert.That(checkpoint.Files.Select(f => f.Path), Has.Some.StartsWith("pages-"), "the dump finished");
            var after = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
            Assert.That((after.State, after.CheckpointInProgress), Is.EqualTo((AppState.Running, false)));
            await CountsOnAsync(port, (await TestApp.AskAsync(port, "VERIFY")).Counter);
        }
        finally
        {
            await CriuProcess.SignalAllAsync(criu, "CONT");
            await RemoveQuietlyAsync(runtimes.EngineA, app, deleteCheckpoints: true);
        }
    }
}
