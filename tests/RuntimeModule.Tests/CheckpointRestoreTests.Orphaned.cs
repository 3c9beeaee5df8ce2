using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

public sealed partial class CheckpointRestoreTests
{
    [Test]
    public async Task A_final_checkpoint_whose_caller_goes_away_mid_dump_completes_and_never_leaves_the_app_frozen()
    {
        const string app = "orphaned-dump";
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 256, dirtyKib: 0), StartMode = StartMode.Active });
        var port = TwoRuntimes.AppPort(runtimes.A);
        var before = await TestApp.WaitAsync(port, "VERIFY");
        try
        {
            var appProcess = HostCgroupFreezer.Of((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).ContainerId).HostPid;
            using var caller = new CancellationTokenSource();
            var call = runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "orphan-1", LeaveRunning = false, Method = CheckpointMethod.Runc },
                cancellationToken: caller.Token).ResponseAsync;
            // The hook: the dump is under way once CRIU has seized this app (the host sees every nested process).
            Assert.That(await CriuProcess.WaitForTracerOfAsync(appProcess, TimeSpan.FromSeconds(30)), Is.Not.Null, "CRIU started dumping the app");
            await caller.CancelAsync();
            Assert.ThrowsAsync(Is.InstanceOf<RpcException>().Or.InstanceOf<OperationCanceledException>(), async () => await call, "the caller went away");

            // The Engine finishes the dump by itself: the app ends checkpointed, with its whole checkpoint, not frozen.
            AppState state = AppState.Unspecified;
            for (var i = 0; i < 120 && state != AppState.Checkpointed; i++)
            {
                state = (await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).State;
                if (state != AppState.Checkpointed) await Task.Delay(250);
            }
            Assert.That(state, Is.EqualTo(AppState.Checkpointed), "the dump that lost its caller completed");
            var checkpoints = await runtimes.EngineA.ListCheckpointsAsync(new ListCheckpointsRequest { App = app });
            Assert.That(checkpoints.Checkpoints.Select(c => c.Checkpoint), Does.Contain("orphan-1"));

            await runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "orphan-1" });
            var after = await TestApp.WaitAsync(port, "VERIFY");
            Assert.Multiple(() =>
            {
                Assert.That(after.Seed, Is.EqualTo(before.Seed), "the same process, back from its checkpoint");
                Assert.That(after.Fields["verify"], Is.EqualTo("ok"));
            });
        }
        finally
        {
            try { await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app }); }
            catch (RpcException) { }
        }
    }
}
