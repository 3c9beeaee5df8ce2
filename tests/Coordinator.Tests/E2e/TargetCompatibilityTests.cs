using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// Negotiation trusts the adapter's forecast of the node's runtime; the target's own Engine has the last word.
/// A PrepareTarget whose source runtime the real target runtime cannot restore (a newer CRIU and kernel than
/// it has) is refused before anything moves, and the target is removed.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class TargetCompatibilityTests
{
    private const string Name = "c-newer";

    [TearDown]
    public Task RemoveAsync() => LocalClusters.RemoveWorkloadEverywhereAsync(Name);

    [Test]
    public async Task A_target_whose_own_engine_cannot_restore_the_source_is_refused_and_removed()
    {
        var peer = LocalClusters.B.PeerClientAs("a");
        var request = PassiveTargets.PrepareRequest(Name, "mcompat00001", "mcompat00001-final");
        request.SourceRuntime = new DescribeResponse { Architecture = "amd64", Kernel = "99.0.0", CriuVersion = "99.1", RuncVersion = "1.1.15", DockerVersion = "26.1.5" };

        // As a source's saga does: a silent source's target is reaped, and this one takes a while to prepare on a busy machine.
        await using var alive = PassiveTargets.KeepAlive(peer, request.MigrationId);
        var e = GrpcAssert.Status(() => peer.PrepareTargetAsync(request).ResponseAsync, StatusCode.FailedPrecondition, "cannot restore default/" + Name);
        Assert.That(e.Status.Detail, Does.Contain("CRIU").And.Contain("is older than the source's 99.1").And.Contain("kernel"));
        Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.B)).Select(w => w.Ref.Name), Does.Not.Contain(Name), "the refused target was removed");
        GrpcAssert.Status(() => peer.CommitAsync(new CommitRequest { MigrationId = request.MigrationId, Checkpoint = request.FirstCheckpoint }).ResponseAsync,
            StatusCode.FailedPrecondition, "aborted");
    }
}
