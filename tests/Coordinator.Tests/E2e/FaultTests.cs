using System.Diagnostics;
using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// Faults during a migration. Each must leave the app running with its memory, nothing locked and
/// no target behind.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class FaultTests
{
    [Test]
    public async Task Destination_coordinator_killed_after_PrepareTarget_rolls_back_and_its_target_is_reaped()
    {
        const string name = "f-kill";
        var (_, port, first) = await LocalClusters.DeployTestAppAsync(name, mib: 32, dirtyKib: 16);
        try
        {
            await using var client = new StableClient(port, TimeSpan.FromMinutes(2));
            var id = await MigrateAsync(name, rounds: 2, bandwidth: 8 << 20);
            await WaitForPhaseAsync(id, MigrationPhase.Precopy);
            await LocalClusters.B.KillAsync();

            var migration = await LocalClusters.A.WaitForEndAsync(id, TimeSpan.FromMinutes(2));
            await client.StopAsync();
            MigrationTests.Report(migration, client);
            Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.RolledBack), migration.Error);
            await AssertSourceServesAsync(name, port, first);
            Assert.That(client.Failures, Is.Empty, "the source kept serving");

            await LocalClusters.B.StartAsync();
            await LocalClusters.EventuallyAsync(async () => !(await LocalClusters.WorkloadsAsync(LocalClusters.B)).Any(w => w.Ref.Name == name),
                TimeSpan.FromSeconds(40), "the restarted destination removing the orphaned target");
        }
        finally
        {
            if (!LocalClusters.B.Running) await LocalClusters.B.StartAsync();
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task Destination_restore_failure_restores_the_source_from_its_own_final_checkpoint()
    {
        const string name = "f-restore";
        var (_, port, first) = await LocalClusters.DeployTestAppAsync(name, mib: 32, dirtyKib: 16);
        try
        {
            await using var client = new StableClient(port, TimeSpan.FromMinutes(2));
            var id = await MigrateAsync(name, rounds: 2, bandwidth: 16 << 20);
            // Sabotage the destination: once its passive app waits for the restore, remove the app's image there.
            await PassiveTargets.RemoveAppImageAsync(LocalClusters.B, name);

            var migration = await LocalClusters.A.WaitForEndAsync(id, TimeSpan.FromMinutes(2));
            await client.StopAsync();
            MigrationTests.Report(migration, client);
            Assert.Multiple(() =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.RolledBack), migration.Error);
                Assert.That(migration.Error, Does.Contain("could not restore"));
                Assert.That(migration.Rounds.Any(r => r.Final), Is.True, "the source had been stopped by its final checkpoint");
            });
            await AssertSourceServesAsync(name, port, first);
            Assert.That(client.Failures, Is.Empty, "held connections went back to the restored source");
            Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.B)).Select(w => w.Ref.Name), Does.Not.Contain(name), "the target was removed");
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task Sync_stream_cut_during_a_round_resumes()
    {
        const string name = "f-cut";
        var (_, port, first) = await LocalClusters.DeployTestAppAsync(name, mib: 48, dirtyKib: 8);
        try
        {
            var id = await MigrateAsync(name, rounds: 1, bandwidth: 12 << 20);
            var cuts = await CutRoundOneAsync(id, name);
            var migration = await LocalClusters.A.WaitForEndAsync(id, TimeSpan.FromMinutes(2));
            MigrationTests.Report(migration, null);
            TestContext.Out.WriteLine($"cut: {cuts}");
            var round1 = migration.Rounds.First();
            var after = await TestApp.WaitAsync(port, "VERIFY");
            Assert.Multiple(() =>
            {
                Assert.That(cuts, Does.Contain("ESTAB"), "a live sync connection was cut");
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                Assert.That(round1.BytesSent, Is.LessThan(round1.CheckpointBytes * 14 / 10), "resumed from verified chunks instead of starting over");
                Assert.That(after.Seed, Is.EqualTo(first.Seed));
                Assert.That(after.Fields["verify"], Is.EqualTo("ok"));
            });
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task Source_coordinator_restarted_mid_migration_finishes_or_rolls_back_from_its_journal()
    {
        const string name = "f-restart";
        var (_, port, first) = await LocalClusters.DeployTestAppAsync(name, mib: 32, dirtyKib: 16);
        try
        {
            var id = await MigrateAsync(name, rounds: 3, bandwidth: 8 << 20);
            await WaitForPhaseAsync(id, MigrationPhase.Precopy);
            await LocalClusters.A.RestartAsync();

            var migration = await LocalClusters.A.WaitForEndAsync(id, TimeSpan.FromMinutes(2));
            MigrationTests.Report(migration, null);
            Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.RolledBack).Or.EqualTo(MigrationPhase.Completed), migration.Error);
            if (migration.Phase == MigrationPhase.RolledBack)
            {
                Assert.That(migration.Error, Does.Contain("restarted"));
                await AssertSourceServesAsync(name, port, first);
                await LocalClusters.EventuallyAsync(async () => !(await LocalClusters.WorkloadsAsync(LocalClusters.B)).Any(w => w.Ref.Name == name),
                    TimeSpan.FromSeconds(30), "the target's removal");
            }
            else
            {
                var after = await TestApp.WaitAsync(port, "VERIFY");
                Assert.That(after.Seed, Is.EqualTo(first.Seed));
            }
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    private static async Task<string> MigrateAsync(string name, uint rounds, ulong bandwidth) =>
        (await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
        {
            Workload = name,
            Destination = "b",
            Options = new MigrationOptions { PrecopyRounds = rounds, ConvergeBytes = 1, Transfer = new TransferOptions { BandwidthBytesPerSecond = bandwidth } },
        })).MigrationId;

    private static async Task WaitForPhaseAsync(string id, MigrationPhase phase)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var call = LocalClusters.A.Client.Watch(new WatchRequest { MigrationId = id }, cancellationToken: timeout.Token);
        await foreach (var e in call.ResponseStream.ReadAllAsync(timeout.Token))
        {
            if (e.Phase == phase) return;
            Assert.That(e.Terminal, Is.False, $"the migration ended before {phase}: {e.Migration?.Error}");
        }
    }

    /// <summary>The source app answers on its stable address with the same process memory, and its workload is free.</summary>
    private static async Task AssertSourceServesAsync(string name, int port, TestAppStatus first)
    {
        var after = await TestApp.WaitAsync(port, "VERIFY");
        var workloads = await LocalClusters.WorkloadsAsync(LocalClusters.A);
        Assert.Multiple(() =>
        {
            Assert.That(after.Seed, Is.EqualTo(first.Seed), "the same process, not a restart");
            Assert.That(after.Counter, Is.GreaterThan(first.Counter));
            Assert.That(after.Fields["verify"], Is.EqualTo("ok"), "its memory intact");
            Assert.That(workloads.Single(w => w.Ref.Name == name).LockedBy, Is.Empty, "the workload is not locked");
        });
    }

    /// <summary>Once round 1 is well under way, kills the source runtime's TCP connections to the destination Engine (its port published for peers).</summary>
    private static async Task<string> CutRoundOneAsync(string id, string name)
    {
        var a = (DockerHostAdapter)LocalClusters.A.Services.GetRequiredService<IOrchestratorAdapter>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var call = LocalClusters.A.Client.Watch(new WatchRequest { MigrationId = id }, cancellationToken: timeout.Token);
        await foreach (var e in call.ResponseStream.ReadAllAsync(timeout.Token))
        {
            Assert.That(e.Terminal, Is.False, "the migration ended before the cut");
            if (e.Round != 1 || e.BytesTotal == 0 || e.BytesDone < e.BytesTotal * 6 / 10) continue;
            var source = await a.Host.FindRuntimeAsync(a.RuntimeName(new WorkloadId("default", name)), CancellationToken.None);
            // The source pushes to the target's Engine as published for peers (on the gateway of b's runtime network).
            var target = await LocalClusters.B.Services.GetRequiredService<IOrchestratorAdapter>().GetWorkloadAsync(new WorkloadId("default", name), CancellationToken.None);
            using var docker = TestEnvironment.OuterDocker();
            var pid = (await docker.Containers.InspectContainerAsync(source!.RuntimeContainerId)).State.Pid;
            return Run("nsenter", $"-t {pid} -n ss -K -tn dport = :{target!.PeerEngineEndpoint.Port}");
        }
        return "";
    }

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit(10_000);
        return output;
    }
}
