using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// Frozen apps (issue 8): the Engine reports an app whose processes are frozen as paused, whatever Docker says,
/// and Resume thaws it, except under a running dump.
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
