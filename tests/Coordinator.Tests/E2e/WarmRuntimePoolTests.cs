using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// The Docker-host adapter's warm runtime pool on real Docker: a migration's target adopts a spare runtime, the moved workload
/// moves on from it, spares go when the coordinator stops, and spares an earlier run left are removed when it starts.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class WarmRuntimePoolTests
{
    private static readonly TimeSpan SpareReady = TimeSpan.FromMinutes(2);

    [Test]
    public async Task A_target_adopts_a_spare_and_the_workload_moves_on_from_it()
    {
        const string name = "warmed";
        var poolB = PoolOf(LocalClusters.B);
        var spec = TestApp.Spec(name, TestEnvironment.TestAppImage, 32, 16);
        poolB.Learn(spec, spec.Ports.Select(p => (int)(p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort)));
        poolB.Refill();
        await LocalClusters.EventuallyAsync(() => Task.FromResult(poolB.Ready.Count > 0), SpareReady, "a spare runtime in cluster b");
        var spares = poolB.Ready;

        var (_, stablePort, first) = await LocalClusters.DeployTestAppAsync(name, mib: 32, dirtyKib: 16);
        try
        {
            var there = await MoveAsync(LocalClusters.A, "b", name);
            var runtimeB = AdapterOf(LocalClusters.B).RuntimeName(new Adapters.WorkloadId("default", name));
            using var docker = TestEnvironment.OuterDocker();
            var adopted = (await docker.Containers.InspectContainerAsync(runtimeB)).Config.Labels["federation.runtime"];
            var inB = await TestApp.AskAsync(stablePort, "VERIFY");
            Assert.Multiple(() =>
            {
                Assert.That(there.Migration.Phase, Is.EqualTo(MigrationPhase.Completed), there.Migration.Error);
                Assert.That(spares, Does.Contain(adopted), "the target's runtime is the spare that was ready, renamed");
                Assert.That(poolB.Ready, Does.Not.Contain(adopted), "an adopted runtime is no spare any more");
                Assert.That(there.Messages.Any(m => m.Contains("warm runtime adopted", StringComparison.Ordinal)), Is.True,
                    "the prepare's steps say that a warm runtime was adopted: " + string.Join(" | ", there.Messages));
                Assert.That(inB.Seed, Is.EqualTo(first.Seed), "one process all along");
                Assert.That(inB.Fields["verify"], Is.EqualTo("ok"));
            });

            // The next move starts from the adopted runtime and removes it, with the spare's volume.
            var back = await MoveAsync(LocalClusters.B, "a", name);
            var inA = await TestApp.AskAsync(stablePort, "VERIFY");
            var left = await LeftoversOfAsync(docker, adopted);
            Assert.Multiple(() =>
            {
                Assert.That(back.Migration.Phase, Is.EqualTo(MigrationPhase.Completed), back.Migration.Error);
                Assert.That(inA.Seed, Is.EqualTo(first.Seed));
                Assert.That(inA.Counter, Is.GreaterThan(inB.Counter), "the counter went on");
                Assert.That(inA.Fields["verify"], Is.EqualTo("ok"));
                Assert.That(left, Is.Empty, "the adopted runtime's containers and volume went with the source of the second move");
            });
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task Spares_are_removed_when_the_coordinator_stops()
    {
        var pool = PoolOf(LocalClusters.B);
        var spec = TestApp.Spec("stopping", TestEnvironment.TestAppImage, 16, 0);
        pool.Learn(spec, spec.Ports.Select(p => (int)p.ContainerPort));
        pool.Refill();
        await LocalClusters.EventuallyAsync(() => Task.FromResult(pool.Ready.Count > 0), SpareReady, "a spare runtime in cluster b");
        var spares = pool.Ready;

        await LocalClusters.B.KillAsync();
        try
        {
            using var docker = TestEnvironment.OuterDocker();
            foreach (var spare in spares) Assert.That(await LeftoversOfAsync(docker, spare), Is.Empty, $"spare {spare} is gone");
        }
        finally
        {
            await LocalClusters.B.StartAsync();
        }
    }

    [Test]
    public async Task A_spare_left_by_an_earlier_run_is_removed_at_start()
    {
        // What a coordinator that died leaves: a spare runtime, started and labelled as the pool starts them.
        var leftover = $"{LocalClusters.Prefix}-b-warm-0badc0de";
        var host = AdapterOf(LocalClusters.B).Host;
        await host.StartRuntimeAsync(leftover, [7000], new Dictionary<string, string>
        {
            ["federation.cluster"] = "b",
            [WarmRuntimePool.WarmLabel] = "7000",
        }, CancellationToken.None);
        using var docker = TestEnvironment.OuterDocker();
        Assert.That(await LeftoversOfAsync(docker, leftover), Is.Not.Empty, "the leftover spare runs before the restart");

        await LocalClusters.B.RestartAsync();

        var left = await LeftoversOfAsync(docker, leftover);
        Assert.Multiple(() =>
        {
            Assert.That(left, Is.Empty, "the restarted coordinator removed the spare it found");
            Assert.That(PoolOf(LocalClusters.B).Ready, Does.Not.Contain(leftover), "and did not take it into its pool");
        });
    }

    private static DockerHostAdapter AdapterOf(CoordinatorNode node) =>
        (DockerHostAdapter)node.Services.GetRequiredService<Adapters.IOrchestratorAdapter>();

    private static WarmRuntimePool PoolOf(CoordinatorNode node) => AdapterOf(node).Pool;

    /// <summary>Containers labelled as part of the runtime <paramref name="key"/>, and its state volume.</summary>
    private static async Task<IReadOnlyList<string>> LeftoversOfAsync(Docker.DotNet.DockerClient docker, string key)
    {
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"federation.runtime={key}"] = true } },
        });
        var volumes = (await docker.Volumes.ListAsync()).Volumes ?? [];
        return containers.SelectMany(c => c.Names).Concat(volumes.Where(v => v.Name == $"{key}-state").Select(v => v.Name)).ToList();
    }

    private static async Task<(Migration Migration, List<string> Messages)> MoveAsync(CoordinatorNode from, string to, string name)
    {
        var started = await from.Client.MigrateAsync(new MigrateRequest
        {
            Workload = $"default/{name}",
            Destination = to,
            Options = new MigrationOptions { PrecopyRounds = 1 },
        });
        var messages = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var call = from.Client.Watch(new WatchRequest { MigrationId = started.MigrationId }, cancellationToken: timeout.Token);
        await foreach (var e in call.ResponseStream.ReadAllAsync(timeout.Token))
        {
            messages.Add(e.Message);
            if (e.Terminal) break;
        }
        foreach (var m in messages) TestContext.Out.WriteLine($"  {m}");
        return (await from.Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = started.MigrationId }), messages);
    }
}
