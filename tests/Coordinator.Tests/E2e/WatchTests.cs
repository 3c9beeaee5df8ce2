using Docker.DotNet.Models;
using Federation.Adapters;
using Federation.Adapters.Docker;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// A runtime killed outside a migration on a Docker host (which heals nothing by itself): the coordinator
/// notices it through the adapter's watch, reports it and recreates the runtime behind the same stable address.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class WatchTests
{
    private const string Name = "w-heal";

    [TearDown]
    public Task RemoveAsync() => LocalClusters.RemoveWorkloadEverywhereAsync(Name);

    [Test]
    public async Task A_runtime_killed_outside_a_migration_is_reported_and_recreated_behind_its_stable_address()
    {
        var (deployed, stablePort, first) = await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);
        var adapter = (DockerHostAdapter)LocalClusters.A.Services.GetRequiredService<IOrchestratorAdapter>();
        using (var docker = TestEnvironment.OuterDocker())
            await docker.Containers.KillContainerAsync(adapter.RuntimeName(new WorkloadId("default", Name)), new ContainerKillParameters());

        var condition = "";
        await LocalClusters.EventuallyAsync(async () =>
        {
            condition = (await LocalClusters.WorkloadsAsync(LocalClusters.A)).SingleOrDefault(w => w.Ref.Name == Name)?.Condition ?? "";
            return condition.Contains("recreated");
        }, TimeSpan.FromSeconds(120), "the coordinator recreating the killed runtime");
        TestContext.Out.WriteLine(condition);

        var after = await TestApp.WaitAsync(stablePort, "VERIFY");
        var recreated = (await LocalClusters.WorkloadsAsync(LocalClusters.A)).Single(w => w.Ref.Name == Name);
        Assert.Multiple(() =>
        {
            Assert.That(condition, Does.Contain("runtime stopped"), "the stop was reported");
            Assert.That(after.Fields["verify"], Is.EqualTo("ok"), "the recreated app serves through the same stable address");
            Assert.That(after.Seed, Is.Not.EqualTo(first.Seed), "a fresh process: the killed app's memory is gone, as after any restart");
            Assert.That(recreated.AppEndpoints, Is.EquivalentTo(deployed.AppEndpoints),
                "the recreated runtime is at the same app endpoints (its network and host ports kept): a home elsewhere keeps its backends");
        });
    }
}
