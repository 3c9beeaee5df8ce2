using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// End to end against a real dockerd and CRIU: the test app is checkpointed in runtime A, its
/// checkpoint directory copied to runtime B, and restored there with its memory.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed partial class CheckpointRestoreTests
{
    private TwoRuntimes runtimes = null!;

    [OneTimeSetUp]
    public async Task StartRuntimes() => runtimes = await TwoRuntimes.StartAsync(TwoRuntimes.Prefix("fedtest-cr"), CancellationToken.None);

    [OneTimeTearDown]
    public async Task RemoveRuntimes()
    {
        if (runtimes is not null) await runtimes.DisposeAsync();
    }

    [Test]
    public async Task Describe_reports_the_versions_a_destination_must_match()
    {
        var described = await runtimes.EngineA.DescribeAsync(new DescribeRequest());
        TestContext.Out.WriteLine(described.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(described.DockerVersion, Does.StartWith("26."));
            Assert.That(described.ContainerdVersion, Is.Not.Empty);
            Assert.That(described.RuncVersion, Is.Not.Empty);
            Assert.That(described.CriuVersion, Does.Match(@"^4\.\d+"));
            Assert.That(described.Kernel, Is.EqualTo(Environment.OSVersion.Version.ToString(3)).Or.StartsWith(Environment.OSVersion.Version.ToString(2)));
            Assert.That(described.Architecture, Is.EqualTo("amd64").Or.EqualTo("arm64"));
            Assert.That(described.DirtyTrackingDetail, Is.Not.Empty);
            Assert.That(described.CheckpointVolumeOnTmpfs, Is.True);
            Assert.That(described.Images, Does.Contain(TestEnvironment.TestAppImage));
        });
    }

    [Test]
    public async Task Each_Engine_warms_its_transfer_path_at_start_and_leaves_nothing_behind()
    {
        foreach (var runtime in new[] { runtimes.A, runtimes.B })
        {
            var warmed = "";
            for (var poll = 0; poll < 300 && warmed.Length == 0; poll++)
            {
                var log = await runtimes.EngineLogAsync(runtime);
                Assert.That(log, Does.Not.Contain("transfer warm-up failed"), $"{runtime.Name}'s Engine");
                warmed = log.Split('\n').FirstOrDefault(l => l.Contains("transfer path warmed up")) ?? "";
                if (warmed.Length == 0) await Task.Delay(100);
            }
            TestContext.Out.WriteLine($"{runtime.Name}: {warmed.Trim()}");
            Assert.That(warmed, Is.Not.Empty, $"{runtime.Name}'s Engine pushed to itself within 30 s of the fixture's start");
            Assert.That(Directory.Exists(Path.Combine(runtime.VolumeHostPath, "checkpoints", Engine.TransferWarmUp.App)), Is.False,
                "the warm-up's checkpoints and tree are gone");
        }
    }

    [TestCase(CheckpointMethod.Runc)]
    [TestCase(CheckpointMethod.Docker)]
    public async Task Checkpoint_with_exit_moves_the_app_to_the_other_runtime_with_its_memory(CheckpointMethod method)
    {
        var app = $"mover-{method.ToString().ToLowerInvariant()}";
        // No dirtying: the memory checksum must come out of B exactly as it went into A.
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 128, dirtyKib: 0), StartMode = StartMode.Active });
        var portA = TwoRuntimes.AppPort(runtimes.A);
        var before = await TestApp.WaitAsync(portA);
        await Task.Delay(300);
        var lastBefore = await TestApp.AskAsync(portA);
        Assert.That(lastBefore.Counter, Is.GreaterThan(before.Counter), "the app counts before the move");

        var checkpoint = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "move-1", LeaveRunning = false, Method = method });
        Assert.That(checkpoint.Method, Is.EqualTo(method));
        TestContext.Out.WriteLine($"{method} checkpoint: {checkpoint.TotalBytes} bytes in {checkpoint.Files.Count} files; " +
                                  string.Join(", ", checkpoint.Timings.Select(t => $"{t.Step} {t.Duration.ToTimeSpan().TotalMilliseconds:F0} ms")));
        Assert.That(checkpoint.TotalBytes, Is.GreaterThan(128UL << 20), "the pages of 128 MiB are in the checkpoint");
        Assert.That(checkpoint.Files.Select(f => f.Path), Does.Contain("federation-app.json").And.Some.StartsWith("pages-"));

        var onA = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
        Assert.That(onA.State, Is.EqualTo(AppState.Checkpointed), "A no longer runs the app");
        Assert.ThrowsAsync(Is.InstanceOf<Exception>(), () => TestApp.AskAsync(portA), "nothing answers on A any more");

        var moved = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "move-1");
        TestContext.Out.WriteLine($"sync: {moved.BytesTotal} bytes, {moved.BytesSent} on the wire, {moved.Elapsed.ToTimeSpan().TotalMilliseconds:F0} ms");
        // The push adds the listing of the app's file trees and their changed files (read in place) to the checkpoint.
        var listing = new FileInfo(Path.Combine(runtimes.A.CheckpointHostPath, app, "move-1", "fs-tree.json")).Length;
        Assert.That(moved.BytesTotal, Is.EqualTo(checkpoint.TotalBytes + (ulong)listing + moved.FileTreeBytes), "the whole checkpoint was synced");
        AssertSameFiles(runtimes.A, runtimes.B, app, "move-1");
        var restored = await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "move-1" });
        TestContext.Out.WriteLine($"restore of a {method} checkpoint: " + string.Join(", ", restored.Timings.Select(t => $"{t.Step} {t.Duration.ToTimeSpan().TotalMilliseconds:F0} ms")));
        Assert.That(restored.App.State, Is.EqualTo(AppState.Running));
        Assert.That(restored.App.RestoredFrom, Is.EqualTo("move-1"));

        var portB = TwoRuntimes.AppPort(runtimes.B);
        var after = await TestApp.WaitAsync(portB, "SUM");
        Assert.Multiple(() =>
        {
            Assert.That(after.Seed, Is.EqualTo(before.Seed), "same process memory (a restart draws a new seed)");
            Assert.That(after.Checksum, Is.EqualTo(before.Checksum), "memory checksum unchanged");
            Assert.That(after.Fields["memsum"], Is.EqualTo(before.Checksum), "every page of memory re-read on B matches");
            Assert.That(after.Counter, Is.GreaterThanOrEqualTo(lastBefore.Counter), "the counter continues, no reset");
        });
        await Task.Delay(200);
        Assert.That((await TestApp.AskAsync(portB)).Counter, Is.GreaterThan(after.Counter), "and keeps counting on B");

        await runtimes.EngineB.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    [Test]
    public async Task A_passive_app_is_restored_into_the_container_made_when_it_was_registered()
    {
        const string app = "prepared";
        var spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 32, dirtyKib: 0);
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = spec, StartMode = StartMode.Active });
        var waiting = await runtimes.EngineB.CreateAppAsync(new CreateAppRequest { Spec = spec, StartMode = StartMode.Passive });
        Assert.That(waiting.State, Is.EqualTo(AppState.WaitingForRestore), "a passive app waits for its restore");
        Assert.That(waiting.ContainerId, Is.Not.Empty, "its container is made ahead, not started");
        var before = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.A));

        await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "ahead-1", LeaveRunning = false });
        await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "ahead-1");
        var restored = await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "ahead-1" });
        TestContext.Out.WriteLine("restore into the prepared container: " + string.Join(", ", restored.Timings.Select(t => $"{t.Step} {t.Duration.ToTimeSpan().TotalMilliseconds:F0} ms")));

        var after = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.B), "SUM");
        Assert.Multiple(() =>
        {
            Assert.That(restored.App.ContainerId, Is.EqualTo(waiting.ContainerId), "the container made at registration was filled and started");
            Assert.That(restored.Timings.Select(t => t.Step), Does.Contain("prepared").And.Not.Contain("create"), "no container was created while the app was stopped");
            Assert.That(after.Seed, Is.EqualTo(before.Seed), "same process memory");
            Assert.That(after.Fields["memsum"], Is.EqualTo(before.Checksum), "every page of memory re-read on B matches");
        });

        await runtimes.EngineB.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    [Test]
    public async Task Leave_running_checkpoint_keeps_the_source_serving_and_restores_elsewhere()
    {
        const string app = "runner";
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 128, dirtyKib: 64), StartMode = StartMode.Active });
        var portA = TwoRuntimes.AppPort(runtimes.A);
        var before = await TestApp.WaitAsync(portA);

        using var stop = new CancellationTokenSource();
        var readsDuring = ReadContinuouslyAsync(portA, stop.Token);
        var checkpoint = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "round-1", LeaveRunning = true });
        await Task.Delay(300);
        await stop.CancelAsync();
        var (answers, failures) = await readsDuring;
        TestContext.Out.WriteLine($"leave-running checkpoint: {checkpoint.TotalBytes} bytes; " +
                                  string.Join(", ", checkpoint.Timings.Select(t => $"{t.Step} {t.Duration.ToTimeSpan().TotalMilliseconds:F0} ms")) +
                                  $"; source answered {answers.Count} reads, {failures} failed");

        var stillOnA = await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app });
        var afterOnA = await TestApp.AskAsync(portA, "VERIFY");
        Assert.Multiple(() =>
        {
            Assert.That(stillOnA.State, Is.EqualTo(AppState.Running));
            Assert.That(failures, Is.Zero, "no read of the source failed while it was checkpointed");
            Assert.That(answers, Is.Not.Empty);
            Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
            Assert.That(afterOnA.Counter, Is.GreaterThan(before.Counter));
            Assert.That(afterOnA.Fields["verify"], Is.EqualTo("ok"));
        });

        await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "round-1");
        await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "round-1" });
        var onB = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.B), "VERIFY");
        Assert.Multiple(() =>
        {
            Assert.That(onB.Seed, Is.EqualTo(before.Seed));
            Assert.That(onB.Counter, Is.GreaterThanOrEqualTo(before.Counter));
            Assert.That(onB.Fields["verify"], Is.EqualTo("ok"), "every dirtied page on B matches its version");
        });

        await runtimes.EngineB.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    [Test]
    public async Task Ambassadors_mirror_the_app_across_a_move_and_exit_with_its_code()
    {
        const string app = "mirrored";
        var spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 16, dirtyKib: 16);
        var active = await runtimes.Host.StartAmbassadorAsync(runtimes.A, spec, StartMode.Active, CancellationToken.None);
        var passive = await runtimes.Host.StartAmbassadorAsync(runtimes.B, spec, StartMode.Passive, CancellationToken.None);
        var before = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.A));
        var waiting = await WaitForStateAsync(runtimes.EngineB, app, AppState.WaitingForRestore);
        Assert.That(waiting.State, Is.EqualTo(AppState.WaitingForRestore), "the passive ambassador registered the app without starting it");

        await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "handover" });
        await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "handover");
        await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "handover" });
        var onB = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.B));
        Assert.That(onB.Seed, Is.EqualTo(before.Seed));

        var activeWait = runtimes.Host.WaitAsync(active, CancellationToken.None);
        await Task.Delay(1000);
        Assert.That(activeWait.IsCompleted, Is.False, "the source ambassador does not report a crash when its app moved away");

        Assert.That(await TestApp.SendAsync(TwoRuntimes.AppPort(runtimes.B), "EXIT 3"), Is.EqualTo("bye exit=3"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var passiveExit = await runtimes.Host.WaitAsync(passive, timeout.Token);
        Assert.That(passiveExit, Is.EqualTo(3), "the ambassador exits with the nested app's exit code");
        Assert.That(await runtimes.Host.LogsAsync(passive, CancellationToken.None), Does.Contain("exiting with 3"), "it streamed the app's output");

        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        Assert.That(await activeWait.WaitAsync(TimeSpan.FromSeconds(30)), Is.Zero, "removing the app ends the source ambassador cleanly");
        await runtimes.EngineB.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    [Test]
    public async Task The_writable_layer_and_volumes_move_file_by_file_round_after_round()
    {
        const string app = "fsmover";
        var spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 16, dirtyKib: 16);
        spec.Command.Clear();
        spec.Command.AddRange(["/bin/sh", "-c",
            "echo kept > /state.txt && echo gone > /gone.txt && mkdir -p /data/empty /srv/deep/er && echo in-volume > /data/v.txt && " +
            "echo old > /data/old-name && echo gone > /data/gone && echo owned > /data/owned && chown 1234:5678 /data/owned && " +
            "chmod 640 /data/owned && touch -d '2001-02-03 04:05:06' /data/owned && ln -s v.txt /data/link && ln /data/v.txt /data/hard && " +
            "rm /bin/ls && exec /app/testapp"]);
        spec.Volumes.Add(new VolumeMount { Name = "fsmover-data", ContainerPath = "/data" });
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = spec, StartMode = StartMode.Active });
        var before = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.A));

        // Pre-copy rounds until the trees were sent and a round then finds no file changed (files written in the last
        // seconds wait for a later round, so the first rounds may send nothing).
        TransferProgress round = null!;
        var rounds = 0;
        uint treeFilesSent = 0;
        for (; rounds < 30; rounds++)
        {
            var checkpoint = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = $"round-{rounds + 1}", LeaveRunning = true });
            Assert.That(checkpoint.Files.Select(f => f.Path), Does.Not.Contain("rootfs-diff.tar").And.Not.Contain("volume-fsmover-data.tar"),
                "no archive of the trees");
            round = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, $"round-{rounds + 1}");
            TestContext.Out.WriteLine($"round {rounds + 1}: {round.FileTreeFiles} tree files, {round.FileTreeBytes} bytes, read in {round.FileTreeScan.ToTimeSpan().TotalMilliseconds:F0} ms");
            treeFilesSent += round.FileTreeFiles;
            if (treeFilesSent >= 6 && round.FileTreeFiles == 0) break;
        }
        Assert.That(treeFilesSent, Is.EqualTo(6), "the pre-copy rounds sent the six files of the trees (the hard link's second name is no file)");
        Assert.That(round.FileTreeFiles, Is.Zero, "the trees settle within 30 rounds");

        using var innerA = TwoRuntimes.InnerDocker(runtimes.A);
        var (code, output) = await InnerContainerFiles.ExecAsync(innerA, app,
            "rm /data/gone /gone.txt && mv /data/old-name /data/new-name && echo more >> /data/v.txt && mkdir /data/later");
        Assert.That(code, Is.Zero, output);

        var final = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
        var frozen = await DescribeTreesAsync(runtimes.A, innerA, app);
        var last = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "final");
        TestContext.Out.WriteLine($"final: {last.FileTreeFiles} tree files, {last.FileTreeBytes} bytes, read in {last.FileTreeScan.ToTimeSpan().TotalMilliseconds:F0} ms; " +
            string.Join(", ", final.Timings.Select(t => $"{t.Step} {t.Duration.ToTimeSpan().TotalMilliseconds:F0} ms")));
        Assert.That(last.FileTreeFiles, Is.EqualTo(2), "the freeze sends only the appended file (one inode, two names) and the renamed one");

        await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final" });
        var after = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.B), "VERIFY");
        Assert.That(after.Seed, Is.EqualTo(before.Seed));

        using var innerB = TwoRuntimes.InnerDocker(runtimes.B);
        var moved = await DescribeTreesAsync(runtimes.B, innerB, app);
        Assert.That(moved.Layer, Is.EqualTo(frozen.Layer), "the writable layer: every file's bytes, mode, owner, mtime, links and whiteouts");
        Assert.That(moved.Volume, Is.EqualTo(frozen.Volume), "the volume likewise");
        Assert.That(Directory.Exists(Path.Combine(runtimes.B.CheckpointHostPath, app, ".fs")), Is.False, "the synced tree moved into the container");
        Assert.Multiple(async () =>
        {
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/state.txt"), Is.EqualTo("kept\n"), "a file the app wrote in its writable layer");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/data/v.txt"), Is.EqualTo("in-volume\nmore\n"), "a file in its named volume");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/data/new-name"), Is.EqualTo("old\n"), "a renamed file");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/data/old-name"), Is.Null, "under its new name only");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/data/gone"), Is.Null, "a file deleted between rounds stays deleted");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/gone.txt"), Is.Null, "in the writable layer too");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/bin/ls"), Is.Null, "an image file it deleted stays deleted (whiteout)");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/bin/cat"), Is.Not.Null, "the image's files are still there");
        });
        await runtimes.EngineB.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    /// <summary>The app container's writable layer and volume as the runtime's state volume holds them, every file hashed.</summary>
    private static async Task<(List<string> Layer, List<string> Volume)> DescribeTreesAsync(Adapters.Docker.RuntimeInstance runtime,
        Docker.DotNet.DockerClient docker, string app)
    {
        var inspect = await docker.Containers.InspectContainerAsync(app);
        var volume = await docker.Volumes.InspectAsync("fsmover-data");
        return (TreeDescription.Of(OnHost(runtime, inspect.GraphDriver.Data["UpperDir"])), TreeDescription.Of(OnHost(runtime, volume.Mountpoint)));
    }

    private static string OnHost(Adapters.Docker.RuntimeInstance runtime, string inRuntime) =>
        Path.Combine(runtime.VolumeHostPath, Path.GetRelativePath("/var/lib/federation", inRuntime));

    /// <summary>A file of a running container through Docker's archive API (the merged view), or null when it does not exist.</summary>
    [Test]
    public async Task A_stopped_source_comes_back_from_its_own_checkpoint_in_the_same_runtime()
    {
        // The rollback of a failed migration: the final checkpoint stopped the source; it must run again where it was.
        const string app = "rollback";
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 32, dirtyKib: 16), StartMode = StartMode.Active });
        var port = TwoRuntimes.AppPort(runtimes.A);
        var before = await TestApp.WaitAsync(port);
        var checkpoint = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
        Assert.That((await runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = app })).State, Is.EqualTo(AppState.Checkpointed));

        await runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final" });
        var after = await TestApp.WaitAsync(port, "VERIFY");
        Assert.Multiple(() =>
        {
            Assert.That(checkpoint.Method, Is.EqualTo(CheckpointMethod.Runc), "AUTO picks runc when the Engine shares the runtime's processes");
            Assert.That(after.Seed, Is.EqualTo(before.Seed));
            Assert.That(after.Counter, Is.GreaterThanOrEqualTo(before.Counter));
            Assert.That(after.Fields["verify"], Is.EqualTo("ok"));
        });
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    [Test]
    public async Task Pre_dumps_run_only_where_CRIU_tracks_dirty_memory()
    {
        const string app = "predump";
        var described = await runtimes.EngineA.DescribeAsync(new DescribeRequest());
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 16, dirtyKib: 16), StartMode = StartMode.Active });
        try
        {
            await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.A));
            var call = runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "pre-1", PreDump = true }).ResponseAsync;
            if (described.DirtyTracking)
            {
                var pre = await call;
                Assert.That(pre.PreDump, Is.True);
                Assert.That(pre.Files.Select(f => f.Path), Has.Some.StartsWith("pages-"));
            }
            else
            {
                var e = Assert.ThrowsAsync<RpcException>(async () => await call)!;
                Assert.That(e.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
                Assert.That(e.Status.Detail, Does.Contain("dirty memory"));
            }
            Assert.That((await TestApp.AskAsync(TwoRuntimes.AppPort(runtimes.A), "VERIFY")).Fields["verify"], Is.EqualTo("ok"), "the app runs on either way");
        }
        finally
        {
            await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        }
    }

    private static void AssertSameFiles(Adapters.Docker.RuntimeInstance a, Adapters.Docker.RuntimeInstance b, string app, string checkpoint)
    {
        var source = Path.Combine(a.CheckpointHostPath, app, checkpoint);
        var target = Path.Combine(b.CheckpointHostPath, app, checkpoint);
        // Without the round's changed tree files (fs/...), which the source reads in place and only the destination holds.
        var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(source, f)).Order().ToList();
        Assert.That(Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(target, f))
            .Where(f => !f.StartsWith("fs/", StringComparison.Ordinal)).Order(), Is.EqualTo(files));
        foreach (var file in files)
        {
            using var x = File.OpenRead(Path.Combine(source, file));
            using var y = File.OpenRead(Path.Combine(target, file));
            Assert.That(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(y)),
                Is.EqualTo(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(x))), file);
        }
    }

    private static async Task<App> WaitForStateAsync(V1.Engine.EngineClient engine, string app, AppState state)
    {
        App? last = null;
        for (var i = 0; i < 150; i++)
        {
            try
            {
                last = await engine.GetAppAsync(new GetAppRequest { Name = app });
                if (last.State == state) return last;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound) { }
            await Task.Delay(200);
        }
        return last ?? new App();
    }

    private static async Task<(List<TestAppStatus> Answers, int Failures)> ReadContinuouslyAsync(int port, CancellationToken stop)
    {
        var answers = new List<TestAppStatus>();
        var failures = 0;
        for (var i = 0; i < 2000 && !stop.IsCancellationRequested; i++)
        {
            try
            {
                answers.Add(await TestApp.AskAsync(port));
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                failures++;
            }
            await Task.Delay(20, CancellationToken.None);
        }
        return (answers, failures);
    }
}
