using Docker.DotNet.Models;
using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Saga;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// A fault matrix in the style of CRIU's zdtm: one of the four parties of a migration (source coordinator,
/// destination coordinator, source runtime, destination runtime) is killed at each phase, reached through the
/// coordinators' migration hooks (never a sleep). After recovery the app must run exactly once, unfrozen, answer on
/// its stable address, keep its memory wherever a copy of it survived the kill, and move again afterwards. One
/// workload per victim travels back and forth through every phase: each phase's move starts from where the previous
/// one left it, and a last clean move proves that the workload still migrates.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class FaultMatrixTests
{
    public enum Victim { SourceCoordinator, DestinationCoordinator, SourceRuntime, DestinationRuntime }

    /// <summary>Every phase of a move with one pre-copy round; target-prepared and target-restored stop the destination.</summary>
    private static readonly string[] Points =
    [
        MigrationHooks.TargetPrepared,
        MigrationHooks.PrecopyRound(1),
        MigrationHooks.HoldTraffic,
        MigrationHooks.FinalCheckpoint,
        MigrationHooks.FinalTransfer,
        MigrationHooks.Commit,
        MigrationHooks.TargetRestored,
        MigrationHooks.SwitchTraffic,
        MigrationHooks.DeleteSource,
    ];

    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(2);

    [Test]
    public Task Source_coordinator_killed_at_every_phase() => RunAsync(Victim.SourceCoordinator, "fm-src-co");

    [Test]
    public Task Destination_coordinator_killed_at_every_phase() => RunAsync(Victim.DestinationCoordinator, "fm-dst-co");

    [Test]
    public Task Source_runtime_killed_at_every_phase() => RunAsync(Victim.SourceRuntime, "fm-src-rt");

    [Test]
    public Task Destination_runtime_killed_at_every_phase() => RunAsync(Victim.DestinationRuntime, "fm-dst-rt");

    private static async Task RunAsync(Victim victim, string name)
    {
        var (_, port, expected) = await LocalClusters.DeployTestAppAsync(name, mib: 8, dirtyKib: 16);
        try
        {
            foreach (var point in Points)
            {
                var (source, destination) = await WhereItRunsAsync(name);
                var (migration, mostCopies) = await KillDuringMoveAsync(victim, point, name, source, destination);
                TestContext.Out.WriteLine($"{victim} killed at {point} ({source.Cluster} -> {destination.Cluster}): {migration.Phase} {migration.Error}");
                Assert.Multiple(() =>
                {
                    Assert.That(migration.Phase, ExpectedEnd(victim, point), $"{victim} killed at {point}: {migration.Error}");
                    Assert.That(mostCopies, Is.LessThanOrEqualTo(1), $"{victim} killed at {point}: copies of the app seen running at once");
                });
                var after = await AssertRunsExactlyOnceAsync(name, port, $"{victim} killed at {point}");
                if (MemorySurvives(victim, point))
                {
                    Assert.Multiple(() =>
                    {
                        Assert.That(after.Seed, Is.EqualTo(expected.Seed), $"{victim} killed at {point}: the same process, not a restart");
                        Assert.That(after.Counter, Is.GreaterThan(expected.Counter), $"{victim} killed at {point}: the counter continues");
                        Assert.That(after.Fields["verify"], Is.EqualTo("ok"), $"{victim} killed at {point}: its memory intact");
                    });
                }
                expected = after;
            }

            var (from, to) = await WhereItRunsAsync(name);
            var last = await MoveAsync(from, to, name);
            Assert.That(last.Phase, Is.EqualTo(MigrationPhase.Completed), $"a clean move after every fault: {last.Error}");
            var moved = await AssertRunsExactlyOnceAsync(name, port, "the last clean move");
            Assert.That(moved.Seed, Is.EqualTo(expected.Seed), "the last clean move kept the app's memory");
        }
        finally
        {
            foreach (var node in new[] { LocalClusters.A, LocalClusters.B })
            {
                node.Hooks.Disarm();
                if (!node.Running) await node.StartAsync();
            }
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    /// <summary>
    /// Whether a copy of the app's memory outlives the kill: a killed runtime takes its app's memory with it when it
    /// held the only copy (the source before the final checkpoint was sent, the destination once it restored).
    /// </summary>
    private static bool MemorySurvives(Victim victim, string point)
    {
        var index = Array.IndexOf(Points, point);
        return victim switch
        {
            Victim.SourceRuntime => index >= Array.IndexOf(Points, MigrationHooks.Commit),
            Victim.DestinationRuntime => index <= Array.IndexOf(Points, MigrationHooks.Commit),
            _ => true,
        };
    }

    /// <summary>
    /// From the commit decision on the move goes forward, unless the destination runtime died before it restored. Before it,
    /// a fault rolls back, except a dead destination coordinator that the move no longer needs before the commit (the
    /// hold and the final transfer do not ask it when the source holds the stable address): then it waits and goes on.
    /// </summary>
    private static NUnit.Framework.Constraints.IResolveConstraint ExpectedEnd(Victim victim, string point)
    {
        var index = Array.IndexOf(Points, point);
        var commit = Array.IndexOf(Points, MigrationHooks.Commit);
        if (index < commit)
        {
            return victim == Victim.DestinationCoordinator && index >= Array.IndexOf(Points, MigrationHooks.HoldTraffic)
                ? Is.AnyOf(MigrationPhase.RolledBack, MigrationPhase.Completed)
                : Is.EqualTo(MigrationPhase.RolledBack);
        }
        return Is.EqualTo(victim == Victim.DestinationRuntime && index == commit ? MigrationPhase.RolledBack : MigrationPhase.Completed);
    }

    /// <returns>How the migration ended, and the most copies of the app seen running at once meanwhile (sampled from both clusters' Engines).</returns>
    private static async Task<(Migration Migration, int MostCopies)> KillDuringMoveAsync(Victim victim, string point, string name, CoordinatorNode source, CoordinatorNode destination)
    {
        var stopsDestination = point is MigrationHooks.TargetPrepared or MigrationHooks.TargetRestored;
        var pause = (stopsDestination ? destination : source).Hooks.Arm(point);
        var id = (await source.Client.MigrateAsync(Request(name, destination))).MigrationId;
        await pause.ReachedAsync(PhaseTimeout);
        using var sampling = new CancellationTokenSource();
        var sampler = MostRunningCopiesAsync(name, sampling.Token);
        switch (victim)
        {
            case Victim.SourceCoordinator:
                await source.KillAsync();
                pause.Release();
                await source.StartAsync();
                break;
            case Victim.DestinationCoordinator:
                await destination.KillAsync();
                pause.Release();
                // The source must meet the dead destination before it comes back.
                await TerminalOrInDoubtAsync(source, id);
                await destination.StartAsync();
                break;
            case Victim.SourceRuntime:
                await KillRuntimeAsync(source, name);
                pause.Release();
                break;
            case Victim.DestinationRuntime:
                await KillRuntimeAsync(destination, name);
                pause.Release();
                break;
        }
        var migration = await source.WaitForEndAsync(id, PhaseTimeout + PhaseTimeout);
        await sampling.CancelAsync();
        return (migration, await sampler);
    }

    /// <summary>Samples, every 100 ms until cancelled, how many clusters' Engines report the app running; returns the most seen at once.</summary>
    private static async Task<int> MostRunningCopiesAsync(string name, CancellationToken ct)
    {
        var most = 0;
        while (!ct.IsCancellationRequested)
        {
            var running = 0;
            foreach (var node in new[] { LocalClusters.A, LocalClusters.B })
            {
                try
                {
                    if (node.Running && (await LocalClusters.WorkloadsAsync(node)).Any(w => w.Ref.Name == name && w.AppState == AppState.Running)) running++;
                }
                catch (Exception e) when (e is Grpc.Core.RpcException or InvalidOperationException or ObjectDisposedException) { }
            }
            most = Math.Max(most, running);
            try { await Task.Delay(100, ct); }
            catch (OperationCanceledException) { break; }
        }
        return most;
    }

    private static async Task<Migration> MoveAsync(CoordinatorNode source, CoordinatorNode destination, string name)
    {
        var id = (await source.Client.MigrateAsync(Request(name, destination))).MigrationId;
        return await source.WaitForEndAsync(id, PhaseTimeout);
    }

    private static MigrateRequest Request(string name, CoordinatorNode destination) => new()
    {
        Workload = name,
        Destination = destination.Cluster,
        Options = new MigrationOptions { PrecopyRounds = 1, ConvergeBytes = 1 },
    };

    /// <summary>Until the source's migration ended, or its commit is in doubt (it met the dead destination after deciding).</summary>
    private static Task TerminalOrInDoubtAsync(CoordinatorNode source, string id) =>
        LocalClusters.EventuallyAsync(async () =>
        {
            var migration = await source.Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = id });
            return migration.Phase is MigrationPhase.Completed or MigrationPhase.RolledBack or MigrationPhase.Failed
                || source.Services.GetRequiredService<MigrationJournal>().Steps(id).Any(s => s.Step == SagaSteps.CommitInDoubt);
        }, PhaseTimeout, "the source meeting the dead destination");

    private static async Task KillRuntimeAsync(CoordinatorNode node, string name)
    {
        var adapter = (DockerHostAdapter)node.Services.GetRequiredService<IOrchestratorAdapter>();
        var runtime = await adapter.Host.FindRuntimeAsync(adapter.RuntimeName(new WorkloadId("default", name)), CancellationToken.None);
        Assert.That(runtime, Is.Not.Null, $"the runtime of {name} in cluster {node.Cluster}");
        using var docker = TestEnvironment.OuterDocker();
        await docker.Containers.KillContainerAsync(runtime!.RuntimeContainerId, new ContainerKillParameters());
    }

    /// <summary>The node whose cluster runs the app now, and the other one.</summary>
    private static async Task<(CoordinatorNode Source, CoordinatorNode Destination)> WhereItRunsAsync(string name)
    {
        foreach (var (node, other) in new[] { (LocalClusters.A, LocalClusters.B), (LocalClusters.B, LocalClusters.A) })
        {
            if ((await LocalClusters.WorkloadsAsync(node)).Any(w => w.Ref.Name == name && w.Role == V1.WorkloadRole.Active)) return (node, other);
        }
        Assert.Fail($"{name} runs in neither cluster");
        throw new InvalidOperationException();
    }

    /// <summary>
    /// Waits (bounded) until exactly one cluster lists the workload, active and running as its Engine reports it (not
    /// frozen), the other has no copy or target of it, and it answers on its stable address; returns what it answered.
    /// </summary>
    private static async Task<TestAppStatus> AssertRunsExactlyOnceAsync(string name, int stablePort, string when)
    {
        var seen = "";
        var deadline = DateTime.UtcNow + PhaseTimeout;
        while (true)
        {
            var copies = new List<Workload>();
            foreach (var node in new[] { LocalClusters.A, LocalClusters.B })
                copies.AddRange((await LocalClusters.WorkloadsAsync(node)).Where(w => w.Ref.Name == name));
            seen = string.Join("; ", copies.Select(c => $"{c.Cluster}: {c.Role} {c.AppState} locked by '{c.LockedBy}'"));
            if (copies.Count == 1 && copies[0] is { Role: V1.WorkloadRole.Active, AppState: AppState.Running, LockedBy: "" }) break;
            if (DateTime.UtcNow >= deadline) Assert.Fail($"{when}: not exactly one running, unlocked copy of {name} within {PhaseTimeout.TotalSeconds:F0} s: {seen}");
            await Task.Delay(500);
        }
        return await TestApp.WaitAsync(stablePort, "VERIFY");
    }
}
