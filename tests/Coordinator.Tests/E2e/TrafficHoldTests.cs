using System.Net.Sockets;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>What a migration reports about its traffic hold, and what a peer may commit.</summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class TrafficHoldTests
{
    private const string Name = "h-drain";

    [TearDown]
    public Task RemoveAsync() => LocalClusters.RemoveWorkloadEverywhereAsync(Name);

    /// <remarks>
    /// Which forwarded connections the hold closes and which it waits for is shown against the relay itself
    /// (<c>InProcess/RelayDrainTests</c>): the test app closes a connection that sends nothing after 2 s, too soon to keep one idle here.
    /// </remarks>
    [Test]
    public async Task The_reported_traffic_hold_lasts_from_the_hold_until_the_switch()
    {
        var (_, stablePort, _) = await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);
        using var idle = new TcpClient();
        await idle.ConnectAsync("127.0.0.1", stablePort);

        var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
        {
            Workload = $"default/{Name}", Destination = "b", Options = new MigrationOptions { PrecopyRounds = 0 },
        });
        var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
        Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);

        var hold = migration.Phases.Single(p => p.Phase == MigrationPhase.HoldTraffic);
        var deleteSource = migration.Phases.Single(p => p.Phase == MigrationPhase.DeleteSource);
        var waited = deleteSource.StartedAt.ToDateTime() - hold.StartedAt.ToDateTime();
        TestContext.Out.WriteLine($"hold phase {hold.Duration.ToTimeSpan().TotalMilliseconds:F0} ms, hold to switch done {waited.TotalMilliseconds:F0} ms, reported {migration.TrafficHold.ToTimeSpan().TotalMilliseconds:F0} ms");
        Assert.That(migration.TrafficHold.ToTimeSpan(), Is.GreaterThan(waited - TimeSpan.FromMilliseconds(150)),
            "new connections waited from the hold on, drain included, until the switch");
    }

    [Test]
    public async Task A_commit_of_anything_but_the_final_checkpoint_is_refused()
    {
        var peer = LocalClusters.B.PeerClientAs("a");
        const string migrationId = "mround00001";
        // The source's saga would send heartbeats meanwhile: a slow prepare must not be reaped as a silent one.
        await using var alive = PassiveTargets.KeepAlive(peer, migrationId);
        await peer.PrepareTargetAsync(PassiveTargets.PrepareRequest(Name, migrationId, $"{migrationId}-round-1"));
        try
        {
            GrpcAssert.Status(() => peer.CommitAsync(new CommitRequest { MigrationId = migrationId, Checkpoint = $"{migrationId}-round-1" }).ResponseAsync,
                StatusCode.FailedPrecondition, "only the final checkpoint");
            var target = (await LocalClusters.WorkloadsAsync(LocalClusters.B)).Single(w => w.Ref.Name == Name);
            Assert.That(target.Role, Is.EqualTo(V1.WorkloadRole.Target), "nothing was restored or promoted");
        }
        finally
        {
            await peer.AbortAsync(new AbortRequest { MigrationId = migrationId, Reason = "test over" });
        }
    }
}
