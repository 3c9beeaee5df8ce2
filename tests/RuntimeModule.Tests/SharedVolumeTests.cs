using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// Shared storage against real dockerd, runc and CRIU: two runtimes bind one host directory as their shared storage (as two
/// clusters reach one NFS export). An app's shared volume is that directory's subdirectory of its name: the move sends none of
/// its files (a copied volume beside it is sent), the restored app finds the same files and writes into the same storage; a
/// runtime without the volume refuses the app before creating anything.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class SharedVolumeTests
{
    private TwoRuntimes runtimes = null!;
    private string shared = "";

    [OneTimeSetUp]
    public async Task StartRuntimes()
    {
        shared = Directory.CreateTempSubdirectory("fedtest-shared-").FullName;
        runtimes = await TwoRuntimes.StartAsync(TwoRuntimes.Prefix("fedtest-shr"), CancellationToken.None, shared);
    }

    [OneTimeTearDown]
    public async Task RemoveRuntimes()
    {
        if (runtimes is not null) await runtimes.DisposeAsync();
        try { Directory.Delete(shared, recursive: true); }
        catch (IOException) { }
    }

    private static AppSpec WithVolumes(string app, params VolumeMount[] volumes)
    {
        var spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 16, dirtyKib: 16);
        spec.Volumes.AddRange(volumes);
        return spec;
    }

    [Test]
    public async Task A_shared_volume_is_re_attached_at_the_destination_and_never_copied()
    {
        const string app = "sharer";
        Directory.CreateDirectory(Path.Combine(shared, "common"));
        await File.WriteAllTextAsync(Path.Combine(shared, "common", "seed.txt"), "from the storage\n");
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest
        {
            Spec = WithVolumes(app,
                new VolumeMount { Name = "common", ContainerPath = "/shared", Shared = true },
                new VolumeMount { Name = "sharer-own", ContainerPath = "/own" }),
            StartMode = StartMode.Active,
        });
        var before = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.A));
        using var innerA = TwoRuntimes.InnerDocker(runtimes.A);
        var (code, output) = await InnerContainerFiles.ExecAsync(innerA, app, "echo a >> /shared/log && echo own > /own/x");
        Assert.That(code, Is.Zero, output);

        await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
        var pushed = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "final");
        var sentTrees = Path.Combine(runtimes.B.CheckpointHostPath, app, "final", "fs");
        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(Path.Combine(sentTrees, "volumes", "sharer-own")), Is.True, "the copied volume's file was sent");
            Assert.That(Directory.Exists(Path.Combine(sentTrees, "volumes", "common")), Is.False, "nothing of the shared volume was sent");
            Assert.That(pushed.FileTreeFiles, Is.EqualTo(1), "one file: the copied volume's");
        });

        await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final", Generation = 1 });
        var after = await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.B), "VERIFY");
        using var innerB = TwoRuntimes.InnerDocker(runtimes.B);
        (code, output) = await InnerContainerFiles.ExecAsync(innerB, app, "echo b >> /shared/log");
        Assert.That(code, Is.Zero, output);
        Assert.Multiple(async () =>
        {
            Assert.That(after.Seed, Is.EqualTo(before.Seed), "the same process");
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/shared/seed.txt"), Is.EqualTo("from the storage\n"));
            Assert.That(await InnerContainerFiles.ReadAsync(innerB, app, "/own/x"), Is.EqualTo("own\n"), "the copied volume arrived");
            Assert.That(await File.ReadAllTextAsync(Path.Combine(shared, "common", "log")), Is.EqualTo("a\nb\n"),
                "both runtimes wrote into the one storage: it was re-attached, not copied");
        });
        await runtimes.EngineB.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    [Test]
    public async Task An_app_whose_shared_volume_this_runtime_cannot_reach_is_refused_before_anything_is_created()
    {
        var refused = Assert.ThrowsAsync<RpcException>(async () => await runtimes.EngineA.CreateAppAsync(new CreateAppRequest
        {
            Spec = WithVolumes("unshared", new VolumeMount { Name = "elsewhere", ContainerPath = "/data", Shared = true }),
            StartMode = StartMode.Active,
        }))!;
        Assert.Multiple(async () =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
            Assert.That(refused.Status.Detail, Is.EqualTo(
                "shared volume 'elsewhere' of app 'unshared' is not in this runtime's shared storage (/var/lib/federation-shared/elsewhere)"));
            Assert.That((await runtimes.EngineA.ListAppsAsync(new ListAppsRequest())).Apps, Is.Empty, "no app registered");
            using var inner = TwoRuntimes.InnerDocker(runtimes.A);
            Assert.That(await inner.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters { All = true }), Is.Empty,
                "no container created");
        });
    }
}
