using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Coordinator.Tests.Support;
using Federation.RuntimeModule.Engine;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// A workload of two containers (the test app's web part and the store it keeps ONE connection to) moved live between
/// two local clusters through the coordinators, real Docker and CRIU; and rolled back whole when one container cannot be
/// restored at the destination.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class WorkloadOfSeveralMigrationTests
{
    private const int Keys = 30;

    private static AppSpec WebAndStore(string name) => new()
    {
        Name = name,
        Ports = { new PortMapping { ContainerPort = TestApp.Port } },
        Containers =
        {
            new AppContainer { Name = "store", Image = TestEnvironment.TestAppImage, Env = { ["MODE"] = "store", ["PORT"] = "7001" } },
            new AppContainer { Name = "web", Image = TestEnvironment.TestAppImage, Env = { ["MODE"] = "web", ["PORT"] = "7000", ["STORE"] = "127.0.0.1:7001" } },
        },
    };

    [Test]
    public async Task A_web_app_and_its_store_move_live_with_their_data_and_the_same_connection_between_them()
    {
        const string name = "webstore";
        var port = await DeployAsync(name);
        try
        {
            await using var client = new StableAddressClient(port, TimeSpan.FromMinutes(3));
            var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"default/{name}",
                Destination = "b",
                Options = new MigrationOptions { PrecopyRounds = 2 },
            });
            var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
            await client.StopAsync();
            TestContext.Out.WriteLine($"{migration.Phase}: downtime {migration.Downtime?.ToTimeSpan().TotalMilliseconds:F0} ms, " +
                                      $"{client.Answers.Count} answers, {client.Failures.Count} failures; longest request {client.LongestRequest.TotalMilliseconds:F0} ms");
            foreach (var failure in client.Failures.Take(5)) TestContext.Out.WriteLine(failure);

            var inB = await LocalClusters.WorkloadsAsync(LocalClusters.B);
            Assert.Multiple(async () =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                Assert.That(client.Failures, Is.Empty, "no request through the stable address failed during the move");
                Assert.That(client.Answers, Has.Count.GreaterThan(10));
                Assert.That(client.Answers.All(a => a == $"connections=1 keys={Keys} backend_connects=1"), Is.True,
                    "every answer came through the one connection the web part opened at its start: " + string.Join(" | ", client.Answers.Distinct().Take(3)));
                for (var i = 0; i < Keys; i++) Assert.That(await TestApp.SendAsync(port, $"GET key{i}"), Is.EqualTo($"value=value{i}"));
                Assert.That(await TestApp.SendAsync(port, "STATS"), Is.EqualTo($"connections=1 keys={Keys} backend_connects=1"),
                    "after the restore the store accepted no new connection and the web part opened none");
                Assert.That(inB.Single(w => w.Ref.Name == name).Role, Is.EqualTo(V1.WorkloadRole.Active), "the workload runs in cluster b");
            });
            Assert.That(await TestApp.SendAsync(port, "PUT after yes"), Is.EqualTo("ok"), "the connection carries writes after the move");
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task A_container_that_cannot_be_restored_rolls_the_whole_workload_back_to_its_source()
    {
        const string name = "webstore-back";
        var port = await DeployAsync(name);
        var adapter = (DockerHostAdapter)LocalClusters.A.Services.GetRequiredService<IOrchestratorAdapter>();
        var source = await adapter.Host.FindRuntimeAsync(adapter.RuntimeName(new WorkloadId("default", name)), CancellationToken.None)
                     ?? throw new InvalidOperationException("the source runtime is not there");
        // The test hook: the web part's restore is refused anywhere but at the source (the checkpoint carries the request).
        var hook = RestoreFailureHook.RequestPath(source.VolumeHostPath, name);
        Directory.CreateDirectory(Path.GetDirectoryName(hook)!);
        await File.WriteAllTextAsync(hook, "web");
        try
        {
            await using var client = new StableAddressClient(port, TimeSpan.FromMinutes(3));
            var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"default/{name}",
                Destination = "b",
                Options = new MigrationOptions { PrecopyRounds = 1 },
            });
            var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
            await client.StopAsync();
            TestContext.Out.WriteLine($"{migration.Phase}: {migration.Error}");

            Assert.Multiple(async () =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.RolledBack), migration.Error);
                Assert.That(migration.Error, Does.Contain("container 'web'"));
                Assert.That(migration.Rounds.Any(r => r.Final), Is.True, "the source had been stopped by its final checkpoint");
                Assert.That(client.Failures, Is.Empty, "held requests went back to the restored source");
                Assert.That(await TestApp.SendAsync(port, "STATS"), Is.EqualTo($"connections=1 keys={Keys} backend_connects=1"),
                    "both containers run again at the source, with their data and the connection between them");
                Assert.That(await TestApp.SendAsync(port, "GET key7"), Is.EqualTo("value=value7"));
                Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.B)).Select(w => w.Ref.Name), Does.Not.Contain(name), "the target was removed");
                Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.A)).Single(w => w.Ref.Name == name).LockedBy, Is.Empty);
            });
        }
        finally
        {
            File.Delete(hook);
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    /// <summary>Deploys the workload in cluster a, fills the store through the web part and returns the stable port.</summary>
    private static async Task<int> DeployAsync(string name)
    {
        var (_, port, stats) = await StableAddressClient.DeployAsync(name, WebAndStore(name));
        Assert.That(stats, Is.EqualTo("connections=1 keys=0 backend_connects=1"));
        for (var i = 0; i < Keys; i++) Assert.That(await TestApp.SendAsync(port, $"PUT key{i} value{i}"), Is.EqualTo("ok"));
        return port;
    }
}
