using System.Diagnostics;
using Docker.DotNet.Models;
using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Adapters.Relay.Control;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// The data path survives the control plane: a stable address is a route of its cluster's relay container, so it
/// keeps forwarding while the home coordinator is down, a hold that coordinator left behind ends at the relay's
/// bound, a relay that crashes comes back with its routes, and the relay goes when its last route does.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class StableAddressOutlivesCoordinatorTests
{
    private static readonly TimeSpan HoldBound = TimeSpan.FromSeconds(5);
    private DirectoryInfo directory = null!;
    private CoordinatorNode bounded = null!;

    /// <summary>A cluster of its own whose relay ends holds after 5 s (a and b keep the 60 s default their migrations need).</summary>
    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory(LocalClusters.Prefix + "-");
        bounded = new CoordinatorNode("hb", FreePort.Next(), directory.FullName,
        [
            $"--runtime-image={TestEnvironment.RuntimeImage}",
            $"--name-prefix={LocalClusters.Prefix}",
            $"--Coordinator:Adapter:MaxTrafficHold={HoldBound:c}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Federation=Information",
        ]);
        await bounded.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await bounded.DisposeAsync();
        using var docker = TestEnvironment.OuterDocker();
        foreach (var id in await RelayContainersAsync("hb")) await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
        directory.Delete(recursive: true);
    }

    [Test]
    public async Task The_stable_address_keeps_forwarding_while_its_coordinator_is_down_and_a_migration_after_its_restart_succeeds()
    {
        const string name = "r-outlive";
        var (deployed, port, first) = await LocalClusters.DeployTestAppAsync(name, mib: 32, dirtyKib: 16);
        try
        {
            var relay = (await RelayContainersAsync("a")).Single();
            await using var client = new StableClient(port, TimeSpan.FromMinutes(4));
            await LocalClusters.EventuallyAsync(() => Task.FromResult(client.Answers.Count >= 5), TimeSpan.FromSeconds(20), "answers before the kill");

            await LocalClusters.A.KillAsync();
            var atKill = client.Answers.Count;
            await LocalClusters.EventuallyAsync(() => Task.FromResult(client.Answers.Count >= atKill + 25), TimeSpan.FromSeconds(30),
                "answers through the stable address while coordinator a is down");
            var whileDown = await TestApp.AskAsync(port, "VERIFY");
            Assert.That(client.Failures, Is.Empty, "no connection failed while the coordinator was down");

            await LocalClusters.A.StartAsync();
            var workload = (await LocalClusters.WorkloadsAsync(LocalClusters.A)).Single(w => w.Ref.Name == name);
            Assert.Multiple(() =>
            {
                Assert.That(whileDown.Fields["verify"], Is.EqualTo("ok"));
                Assert.That(workload.StableAddress, Is.EqualTo(deployed.StableAddress), "the restarted coordinator read the route back from the relay");
            });
            Assert.That(await RelayContainersAsync("a"), Is.EqualTo(new[] { relay }), "the restarted coordinator found its relay again instead of starting another");

            var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"default/{name}", Destination = "b", Options = new MigrationOptions { PrecopyRounds = 1 },
            });
            var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(2));
            var answered = client.Answers.Count;
            await LocalClusters.EventuallyAsync(() => Task.FromResult(client.Answers.Count > answered + 5), TimeSpan.FromSeconds(20), "answers after the move");
            await client.StopAsync();
            MigrationTests.Report(migration, client);

            var answers = client.Answers.Select(a => a.Status).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                Assert.That(client.Failures, Is.Empty, "no request failed: not while the coordinator was down, not during the move after its restart");
                Assert.That(answers.Select(a => a.Seed).Distinct(), Is.EquivalentTo(new[] { first.Seed }), "one process all along");
                Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
            });
        }
        finally
        {
            if (!LocalClusters.A.Running) await LocalClusters.A.StartAsync();
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task A_hold_left_by_a_coordinator_that_died_ends_at_the_relays_bound_and_the_held_connection_reaches_the_old_backend()
    {
        const string name = "r-bound";
        var id = new WorkloadId("default", name);
        var (port, first) = await DeployAsync(name);
        try
        {
            var socket = bounded.Services.GetRequiredService<RelayContainer>().SocketPath;
            var clock = Stopwatch.StartNew();
            await bounded.Services.GetRequiredService<ITrafficSwitch>().HoldAsync(id, CancellationToken.None);
            var held = AnsweredAtAsync(port, clock);
            await WaitForRelayAsync(socket, route => route.Ports.Single().HeldConnections == 1 || held.IsCompleted, "the relay holding the new connection");
            Assert.That(held.IsCompleted, Is.False, "the new connection waits for the hold");

            await bounded.KillAsync();
            var (answer, answeredAt) = await held;
            TestContext.Out.WriteLine($"held connection answered {answeredAt.TotalMilliseconds:F0} ms after the hold began (bound {HoldBound.TotalSeconds:F0} s)");
            Assert.Multiple(() =>
            {
                Assert.That(answer.Seed, Is.EqualTo(first.Seed), "the held connection went to the old backend, the app that never moved");
                Assert.That(answeredAt, Is.GreaterThanOrEqualTo(HoldBound - TimeSpan.FromMilliseconds(100)), "it was held until the bound");
                Assert.That(answeredAt, Is.LessThan(HoldBound + TimeSpan.FromSeconds(4)), "and not much longer: the relay ended the hold by itself");
            });

            var (next, took) = await TimeAsync(() => TestApp.AskAsync(port, "GET"));
            var route = await WaitForRelayAsync(socket, _ => true, "the relay answering");
            Assert.Multiple(() =>
            {
                Assert.That(next.Seed, Is.EqualTo(first.Seed));
                Assert.That(took, Is.LessThan(TimeSpan.FromSeconds(2)), "a connection after the bound is not held again, with no coordinator to release it");
                Assert.That(route.Ports.Single().Holding, Is.False);
            });
        }
        finally
        {
            if (!bounded.Running) await bounded.StartAsync();
            await RemoveAsync(id);
        }
    }

    [Test]
    public async Task A_relay_that_crashed_comes_back_on_the_same_port_and_goes_with_its_last_route()
    {
        const string name = "r-crash";
        var id = new WorkloadId("default", name);
        var (port, first) = await DeployAsync(name);
        try
        {
            var relay = (await RelayContainersAsync("hb")).Single();
            using var docker = TestEnvironment.OuterDocker();
            var before = await docker.Containers.InspectContainerAsync(relay);
            // A crash, not a stop: Docker's restart policy brings it back, and it listens again from its persisted routes.
            Process.GetProcessById((int)before.State.Pid).Kill();
            var after = await TestApp.WaitAsync(port, "VERIFY");
            var restarted = await docker.Containers.InspectContainerAsync(relay);
            Assert.Multiple(() =>
            {
                Assert.That(after.Seed, Is.EqualTo(first.Seed), "the same stable port leads to the same app again");
                Assert.That(restarted.RestartCount, Is.GreaterThan(before.RestartCount), "Docker restarted the relay");
            });

            await RemoveAsync(id);
            Assert.That(await RelayContainersAsync("hb"), Is.Empty, "the relay went with its last route");
            Assert.That(Directory.Exists(bounded.Services.GetRequiredService<RelayContainer>().Directory), Is.False, "and so did its directory");
        }
        finally
        {
            await RemoveAsync(id);
        }
    }

    private async Task<(int Port, TestAppStatus First)> DeployAsync(string name)
    {
        var workload = await bounded.Client.DeployAsync(new DeployRequest
        {
            Ref = new V1.WorkloadRef { Namespace = "default", Name = name },
            Spec = TestApp.Spec(name, TestEnvironment.TestAppImage, mib: 8, dirtyKib: 0),
        });
        var port = int.Parse(workload.StableAddress.Split(':')[1]);
        return (port, await TestApp.WaitAsync(port, "VERIFY"));
    }

    private Task RemoveAsync(WorkloadId id) =>
        bounded.Services.GetRequiredService<IOrchestratorAdapter>().DeleteWorkloadAsync(id, CancellationToken.None);

    /// <summary>Reads the relay's one route over its control socket until <paramref name="condition"/> holds (bounded).</summary>
    private static async Task<RelayRoute> WaitForRelayAsync(string socket, Func<RelayRoute, bool> condition, string what)
    {
        using var channel = RelayChannel.ForSocket(socket);
        var control = new V1.Relay.RelayClient(channel);
        RelayRoute? route = null;
        await LocalClusters.EventuallyAsync(async () =>
        {
            route = (await control.ListRoutesAsync(new ListRelayRoutesRequest())).Routes.Single();
            return condition(route);
        }, TimeSpan.FromSeconds(20), what);
        return route!;
    }

    /// <summary>Asks the test app through the stable port; returns its answer and when it came on <paramref name="clock"/>.</summary>
    private static async Task<(TestAppStatus Answer, TimeSpan At)> AnsweredAtAsync(int port, Stopwatch clock)
    {
        var answer = await TestApp.AskAsync(port, "GET");
        return (answer, clock.Elapsed);
    }

    private static async Task<(T Result, TimeSpan Took)> TimeAsync<T>(Func<Task<T>> call)
    {
        var clock = Stopwatch.StartNew();
        var result = await call();
        return (result, clock.Elapsed);
    }

    /// <summary>The ids of the relay containers of a cluster of this run.</summary>
    private static async Task<IReadOnlyList<string>> RelayContainersAsync(string cluster)
    {
        using var docker = TestEnvironment.OuterDocker();
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true });
        return containers.Where(c => c.Names.Any(n => n.TrimStart('/') == $"{LocalClusters.Prefix}-{cluster}.relay")).Select(c => c.ID).ToList();
    }
}
