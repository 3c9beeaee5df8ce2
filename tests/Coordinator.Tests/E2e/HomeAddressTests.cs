using Federation.Coordinator.Tests.Support;
using Federation.V1;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// The stable address stays in the workload's home cluster (where it was deployed) and follows every
/// move, wherever the move starts: out, back home, and out again, with a client reading all along.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class HomeAddressTests
{
    [Test]
    public async Task Stable_address_follows_the_workload_out_back_home_and_out_again()
    {
        const string name = "roamer";
        var (deployed, stablePort, first) = await LocalClusters.DeployTestAppAsync(name, mib: 32, dirtyKib: 16);
        try
        {
            await using var client = new StableClient(stablePort, TimeSpan.FromMinutes(4));
            await Task.Delay(300);
            var hops = new[] { (From: LocalClusters.A, To: LocalClusters.B), (From: LocalClusters.B, To: LocalClusters.A), (From: LocalClusters.A, To: LocalClusters.B) };
            var migrations = new List<Migration>();
            foreach (var (from, to) in hops)
            {
                var started = await from.Client.MigrateAsync(new MigrateRequest
                {
                    Workload = $"default/{name}",
                    Destination = to.Cluster,
                    Options = new MigrationOptions { PrecopyRounds = 1 },
                });
                var migration = await from.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(2));
                MigrationTests.Report(migration, client);
                migrations.Add(migration);
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), $"{from.Cluster} -> {to.Cluster}: {migration.Error}");

                var there = (await LocalClusters.WorkloadsAsync(to)).Single(w => w.Ref.Name == name);
                var left = await LocalClusters.WorkloadsAsync(from);
                Assert.Multiple(() =>
                {
                    Assert.That(migration.HomeCluster, Is.EqualTo("a"), "the stable address lives where the workload was deployed");
                    Assert.That(there.StableAddress, Is.EqualTo(deployed.StableAddress), $"{to.Cluster} shows the same stable address");
                    Assert.That(there.HomeCluster, Is.EqualTo("a"));
                    Assert.That(there.Role, Is.EqualTo(V1.WorkloadRole.Active));
                    Assert.That(left.Select(w => w.Ref.Name), Does.Not.Contain(name), $"the source workload is gone from {from.Cluster}");
                });

                // The client gets answers through the switched stable address before the next move starts.
                var answered = client.Answers.Count;
                await LocalClusters.EventuallyAsync(() => Task.FromResult(client.Answers.Count > answered + 5), TimeSpan.FromSeconds(20),
                    $"answers through the stable address after {from.Cluster} -> {to.Cluster}");
            }
            await client.StopAsync();

            var after = await TestApp.AskAsync(stablePort, "VERIFY");
            var sum = await TestApp.AskAsync(stablePort, "SUM");
            var answers = client.Answers.Select(a => a.Status).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(client.Failures, Is.Empty, "no client request failed on any move: new connections were held, not refused");
                Assert.That(answers, Has.Count.GreaterThan(30));
                Assert.That(answers.Select(a => a.Seed).Distinct(), Is.EquivalentTo(new[] { first.Seed }), "one process all along: the memory came along every time");
                Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
                Assert.That(after.Fields["verify"], Is.EqualTo("ok"), "every page matches its version after three moves");
                Assert.That(sum.Fields["memsum"], Is.EqualTo(sum.Checksum), "the memory checksum matches");
                Assert.That(after.Seed, Is.EqualTo(first.Seed));
                Assert.That(migrations.Select(m => m.TrafficHold.ToTimeSpan()), Has.All.GreaterThan(TimeSpan.Zero), "every move held the traffic");
            });
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task A_failed_move_home_releases_the_hold_at_home_back_to_where_the_workload_runs()
    {
        const string name = "roamer-rb";
        var (deployed, stablePort, first) = await LocalClusters.DeployTestAppAsync(name, mib: 32, dirtyKib: 16);
        try
        {
            var away = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = name, Destination = "b", Options = new MigrationOptions { PrecopyRounds = 1 },
            });
            var out1 = await LocalClusters.A.WaitForEndAsync(away.MigrationId, TimeSpan.FromMinutes(2));
            Assert.That(out1.Phase, Is.EqualTo(MigrationPhase.Completed), out1.Error);

            await using var client = new StableClient(stablePort, TimeSpan.FromMinutes(2));
            var back = await LocalClusters.B.Client.MigrateAsync(new MigrateRequest
            {
                Workload = name, Destination = "a",
                Options = new MigrationOptions { PrecopyRounds = 2, ConvergeBytes = 1, Transfer = new TransferOptions { BandwidthBytesPerSecond = 16 << 20 } },
            });
            // Sabotage home: once the passive app there waits for its restore, remove the app's image from it.
            await PassiveTargets.RemoveAppImageAsync(LocalClusters.A, name);

            var migration = await LocalClusters.B.WaitForEndAsync(back.MigrationId, TimeSpan.FromMinutes(2));
            await Task.Delay(300);
            await client.StopAsync();
            MigrationTests.Report(migration, client);
            var after = await TestApp.WaitAsync(stablePort, "VERIFY");
            var inB = (await LocalClusters.WorkloadsAsync(LocalClusters.B)).Single(w => w.Ref.Name == name);
            var answers = client.Answers.Select(a => a.Status).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.RolledBack), migration.Error);
                Assert.That(migration.Error, Does.Contain("could not restore"));
                Assert.That(migration.Phases.Select(p => p.Phase), Does.Contain(MigrationPhase.HoldTraffic), "home held the traffic before the failure");
                Assert.That(client.Failures, Is.Empty, "held connections at home went back to the restored workload in b");
                Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
                Assert.That(after.Seed, Is.EqualTo(first.Seed), "the same process, not a restart");
                Assert.That(after.Fields["verify"], Is.EqualTo("ok"));
                Assert.That(inB.StableAddress, Is.EqualTo(deployed.StableAddress));
                Assert.That(inB.LockedBy, Is.Empty, "the workload is not locked");
            });
            Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.A)).Select(w => w.Ref.Name), Does.Not.Contain(name), "the target at home was removed");
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }
}
