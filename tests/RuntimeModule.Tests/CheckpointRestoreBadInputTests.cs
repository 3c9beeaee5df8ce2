using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

/// <summary>Bad input to the Engine gets a gRPC status with a one-line message and writes nothing.</summary>
public sealed partial class CheckpointRestoreTests
{
    [Test]
    public void Unknown_app_is_NotFound()
    {
        GrpcAssert.Status(() => runtimes.EngineA.GetAppAsync(new GetAppRequest { Name = "no-such-app" }).ResponseAsync, StatusCode.NotFound, "no-such-app");
        GrpcAssert.Status(() => runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = "no-such-app", Checkpoint = "c1" }).ResponseAsync, StatusCode.NotFound, "no-such-app");
        GrpcAssert.Status(() => runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = "no-such-app" }).ResponseAsync, StatusCode.NotFound, "no-such-app");
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("UPPER/Case")]
    [TestCase("bad image name")]
    [TestCase("repo:tag:extra")]
    [TestCase("-leading/dash")]
    public void Empty_or_malformed_image_is_InvalidArgument(string image)
    {
        var spec = TestApp.Spec("bad-image", image, mib: 1, dirtyKib: 0);
        GrpcAssert.Status(() => runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = spec, StartMode = StartMode.Active }).ResponseAsync,
            StatusCode.InvalidArgument, "image reference");
    }

    [Test]
    public void Image_not_loaded_in_the_runtime_is_FailedPrecondition()
    {
        var spec = TestApp.Spec("absent-image", "example.invalid/not-loaded:1", mib: 1, dirtyKib: 0);
        GrpcAssert.Status(() => runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = spec, StartMode = StartMode.Active }).ResponseAsync,
            StatusCode.FailedPrecondition, "not in this runtime");
    }

    [Test]
    public void Restore_of_a_checkpoint_that_is_not_there_is_FailedPrecondition()
    {
        GrpcAssert.Status(() => runtimes.EngineB.RestoreAsync(new RestoreRequest { App = "ghost", Checkpoint = "never-taken" }).ResponseAsync,
            StatusCode.FailedPrecondition, "never-taken");
    }

    [TestCase("../escape")]
    [TestCase("..")]
    [TestCase("a/b")]
    [TestCase("/abs")]
    [TestCase("a\\b")]
    [TestCase(".hidden")]
    [TestCase("")]
    public async Task Checkpoint_names_that_leave_the_checkpoint_directory_are_InvalidArgument(string name)
    {
        const string app = "pathcheck";
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 1, dirtyKib: 0), StartMode = StartMode.Active });
        try
        {
            var volumeRoot = runtimes.A.VolumeHostPath;
            var before = Snapshot(volumeRoot);
            GrpcAssert.Status(() => runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = name, LeaveRunning = true }).ResponseAsync,
                StatusCode.InvalidArgument, "checkpoint name");
            GrpcAssert.Status(() => runtimes.EngineA.RestoreAsync(new RestoreRequest { App = app, Checkpoint = name }).ResponseAsync,
                StatusCode.InvalidArgument, "checkpoint name");
            GrpcAssert.Status(() => runtimes.EngineA.DeleteCheckpointAsync(new DeleteCheckpointRequest { App = app, Checkpoint = name }).ResponseAsync,
                StatusCode.InvalidArgument, "checkpoint name");
            Assert.That(Snapshot(volumeRoot), Is.EquivalentTo(before), "nothing was written anywhere in the state volume");
        }
        finally
        {
            await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        }
    }

    [TestCase("Upper")]
    [TestCase("../x")]
    [TestCase("")]
    public void Malformed_app_name_is_InvalidArgument(string name)
    {
        var spec = TestApp.Spec("x", TestEnvironment.TestAppImage, mib: 1, dirtyKib: 0);
        spec.Name = name;
        GrpcAssert.Status(() => runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = spec }).ResponseAsync, StatusCode.InvalidArgument, "app name");
    }

    /// <summary>Every path under the state volume except the inner docker's own churn.</summary>
    private static string[] Snapshot(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p))
            .Where(p => !p.StartsWith("docker", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
}
