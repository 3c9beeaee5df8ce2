using Docker.DotNet.Models;
using Federation.V1;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>A runtime killed in the middle of a migration: the migration rolls back, the app runs once, nothing is left behind.</summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class RuntimeKilledTests
{
    private const string Name = "k-target";

    [TearDown]
    public Task RemoveAsync() => LocalClusters.RemoveWorkloadEverywhereAsync(Name);

    [Test]
    public async Task A_target_runtime_killed_during_precopy_rolls_back_and_leaves_nothing_behind()
    {
        var (_, stablePort, first) = await LocalClusters.DeployTestAppAsync(Name, mib: 32, dirtyKib: 16);
        var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
        {
            Workload = $"default/{Name}", Destination = "b", Options = new MigrationOptions { PrecopyRounds = 3 },
        });
        var target = await PassiveTargets.WaitForAsync(LocalClusters.B, Name);
        using var docker = TestEnvironment.OuterDocker();
        await docker.Containers.KillContainerAsync(target.RuntimeContainerId, new ContainerKillParameters());

        var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
        Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.RolledBack), migration.Error);
        var after = await TestApp.WaitAsync(stablePort, "VERIFY");
        Assert.Multiple(() =>
        {
            Assert.That(after.Seed, Is.EqualTo(first.Seed), "the source kept running: the same process");
            Assert.That(after.Fields["verify"], Is.EqualTo("ok"));
        });

        await LocalClusters.EventuallyAsync(async () => (await LocalClusters.RuntimeLeftoversAsync(LocalClusters.B, Name)).Count == 0,
            TimeSpan.FromSeconds(30), "the killed target's containers and volume being removed");
        Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.B)).Select(w => w.Ref.Name), Does.Not.Contain(Name));
    }
}
