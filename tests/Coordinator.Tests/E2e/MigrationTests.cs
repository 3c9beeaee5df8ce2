using Federation.Adapters.Docker;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Tests.Support;
using Federation.RuntimeModule.Engine.Lazy;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>Live migrations between two local clusters, real Docker and CRIU, with a client reading through the stable address.</summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class MigrationTests
{
    [Test]
    public async Task Workload_moves_to_the_other_cluster_while_a_client_keeps_reading()
    {
        const string name = "shop";
        var (_, stablePort, first) = await LocalClusters.DeployTestAppAsync(name, mib: 48, dirtyKib: 16);
        try
        {
            var (migration, events, client) = await MoveWithClientAsync(name, stablePort, new MigrationOptions { PrecopyRounds = 2 });
            Assert.Multiple(async () =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                Assert.That(events.Last().Terminal, Is.True, "Watch ends with a terminal event");
                Assert.That(client.Answers, Has.Count.GreaterThan(10));
                await AssertOneProcessAllAlongAsync(client, stablePort, first);
            });

            var inA = await LocalClusters.WorkloadsAsync(LocalClusters.A);
            var inB = await LocalClusters.WorkloadsAsync(LocalClusters.B);
            var expectedPhases = new[]
            {
                MigrationPhase.Negotiate, MigrationPhase.PrepareTarget, MigrationPhase.Precopy, MigrationPhase.HoldTraffic,
                MigrationPhase.FinalCheckpoint, MigrationPhase.FinalTransfer, MigrationPhase.Commit, MigrationPhase.SwitchTraffic,
                MigrationPhase.DeleteSource, MigrationPhase.Completed,
            };
            Assert.Multiple(() =>
            {
                Assert.That(inA.Select(w => w.Ref.Name), Does.Not.Contain(name), "the source workload is gone");
                Assert.That(inB.Single(w => w.Ref.Name == name).Role, Is.EqualTo(WorkloadRole.Active), "the target became the workload");
                Assert.That(inB.Single(w => w.Ref.Name == name).LockedBy, Is.Empty);
                Assert.That(migration.Phases.Select(p => p.Phase), Is.EqualTo(expectedPhases), "every phase, in order");
                Assert.That(migration.Phases.All(p => p.Duration is not null && p.StartedAt is not null), Is.True, "every phase has its duration");
                Assert.That(migration.Downtime.ToTimeSpan(), Is.GreaterThan(TimeSpan.Zero));
                Assert.That(migration.Rounds.Count(r => !r.Final), Is.InRange(1, 2));
                Assert.That(migration.Rounds.Last().Final, Is.True);
            });
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task Precopy_final_round_moves_far_fewer_bytes_than_the_first()
    {
        const string name = "slowdirty";
        var (_, stablePort, first) = await LocalClusters.DeployTestAppAsync(name, mib: 48, dirtyKib: 4);
        try
        {
            var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = name,
                Destination = "b",
                Options = new MigrationOptions { PrecopyRounds = 3, ConvergeBytes = 1 },
            });
            var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
            Report(migration, null);
            Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
            var firstRound = migration.Rounds.First();
            var finalRound = migration.Rounds.Last();
            var after = await TestApp.AskAsync(stablePort, "VERIFY");
            Assert.Multiple(() =>
            {
                Assert.That(firstRound.Final, Is.False);
                Assert.That(finalRound.Final, Is.True);
                Assert.That(firstRound.BytesSent, Is.GreaterThan(16UL << 20), "the first round carries the app's memory");
                Assert.That(finalRound.BytesSent, Is.LessThan(firstRound.BytesSent / 4), "the final round carries only the delta");
                Assert.That(finalRound.BytesSkipped, Is.GreaterThan(finalRound.BytesSent), "most of the final checkpoint was already there");
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
    public async Task A_post_copy_move_resumes_the_app_before_its_memory_arrives_and_loses_nothing()
    {
        const string name = "lazyshop";
        var (_, stablePort, first) = await LocalClusters.DeployTestAppAsync(name, mib: 128, dirtyKib: 16);
        try
        {
            var (migration, events, client) = await MoveWithClientAsync(name, stablePort,
                new MigrationOptions { PrecopyRounds = 0, PostCopy = PostCopyMode.On });
            TestContext.Out.WriteLine($"  post-copy: {migration.PostCopyBytes >> 20} MiB in {migration.PostCopyDuration?.ToTimeSpan().TotalMilliseconds:F0} ms");
            var inA = await LocalClusters.WorkloadsAsync(LocalClusters.A);
            Assert.Multiple(async () =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                Assert.That(migration.PostCopy, Is.True, "the final round ran post-copy");
                Assert.That(migration.Rounds.Single().Final, Is.True, "no pre-copy round");
                Assert.That(migration.Rounds.Single().CheckpointBytes, Is.LessThan(4UL << 20), "the freeze moved no memory");
                Assert.That(migration.PostCopyBytes, Is.GreaterThan(128UL << 20), "the memory followed the restore");
                Assert.That(events.Select(e => e.Message), Has.Some.StartsWith("post-copy: every page reached 'b'"));
                Assert.That(inA.Select(w => w.Ref.Name), Does.Not.Contain(name), "the source is removed once every page was served");
                await AssertOneProcessAllAlongAsync(client, stablePort, first);
            });
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task Post_copy_if_needed_takes_over_the_final_round_when_pre_copy_does_not_converge()
    {
        const string name = "hotshop";
        // About 40 MiB/s rewritten in a 64 MiB app: every pre-copy round resends most of it.
        var (_, stablePort, first) = await LocalClusters.DeployTestAppAsync(name, mib: 64, dirtyKib: 400);
        try
        {
            var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"default/{name}",
                Destination = "b",
                Options = new MigrationOptions { PrecopyRounds = 2, PostCopy = PostCopyMode.Auto },
            });
            var events = await WatchAsync(started.MigrationId);
            var migration = await LocalClusters.A.Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = started.MigrationId });
            Report(migration, null);
            var after = await TestApp.AskAsync(stablePort, "VERIFY");
            Assert.Multiple(() =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                Assert.That(migration.PrecopyStopReason, Is.Not.EqualTo("converged"));
                Assert.That(migration.PostCopy, Is.True, "the policy chose post-copy for the final round");
                Assert.That(events.Select(e => e.Message), Has.Some.StartsWith("pre-copy did not converge (").And.Some.EndsWith(": the final round runs post-copy"));
                Assert.That(migration.Rounds.Last().CheckpointBytes, Is.LessThan(4UL << 20), "the freeze moved no memory");
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
    public async Task A_post_copy_whose_pages_stop_after_the_commit_keeps_the_source_whole_and_says_what_was_lost()
    {
        const string name = "lazycut";
        var (_, _, first) = await LocalClusters.DeployTestAppAsync(name, mib: 64, dirtyKib: 0);
        var source = await SourceRuntimeAsync(name);
        // The test hook: the source's page tunnel breaks after 8 MiB, as a source that died mid-way would look to the destination.
        var hook = PageTunnelBreakHook.RequestPath(source.VolumeHostPath, name);
        Directory.CreateDirectory(Path.GetDirectoryName(hook)!);
        await File.WriteAllTextAsync(hook, (8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"default/{name}",
                Destination = "b",
                Options = new MigrationOptions { PrecopyRounds = 0, PostCopy = PostCopyMode.On },
            });
            var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
            Report(migration, null);
            var engine = LocalClusters.A.Services.GetRequiredService<RuntimeEngines>().For(source.EngineEndpoint);
            var kept = await engine.GetAppAsync(new GetAppRequest { Name = name });
            Assert.Multiple(async () =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Failed));
                Assert.That(migration.PostCopy, Is.True);
                Assert.That(migration.Error, Does.StartWith("post-copy failed after the commit: page tunnel broke after"));
                Assert.That(migration.Error, Does.Contain("'b' stopped its copy (memory incomplete; what it did since the switch is lost)"));
                Assert.That(migration.Error, Does.EndWith($"the app is kept paused with all its memory in 'a' at generation {migration.Generation}: Resume brings it back"));
                Assert.That(migration.Phases.Select(p => p.Phase), Does.Not.Contain(MigrationPhase.DeleteSource), "the source is not deleted");
                Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.A)).Select(w => w.Ref.Name), Does.Contain(name));
                Assert.That(kept.State, Is.EqualTo(AppState.Paused), "frozen at the source, not running in two places");
            });

            // The operator's way back: the source resumes at the migration's generation, with every page of its memory.
            var resumed = await engine.ResumeAsync(new ResumeAppRequest { App = name, Generation = migration.Generation });
            Assert.That(resumed.State, Is.EqualTo(AppState.Running));
            var sum = await TestApp.WaitAsync(RuntimeAppPort(source), "SUM");
            Assert.Multiple(() =>
            {
                Assert.That(sum.Seed, Is.EqualTo(first.Seed), "the same process");
                Assert.That(sum.Fields["memsum"], Is.EqualTo(first.Checksum), "with all its memory");
                Assert.That(sum.Counter, Is.GreaterThanOrEqualTo(first.Counter));
            });
        }
        finally
        {
            File.Delete(hook);
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    [Test]
    public async Task A_post_copy_whose_source_runtime_dies_mid_way_says_the_memory_not_yet_moved_is_lost()
    {
        const string name = "lazydie";
        await LocalClusters.DeployTestAppAsync(name, mib: 64, dirtyKib: 0);
        var source = await SourceRuntimeAsync(name);
        // The test hook: the source's page tunnel holds still after 8 MiB, until the source runtime is killed here.
        var hook = PageTunnelBreakHook.RequestPath(source.VolumeHostPath, name);
        Directory.CreateDirectory(Path.GetDirectoryName(hook)!);
        await File.WriteAllTextAsync(hook, "pause " + (8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"default/{name}",
                Destination = "b",
                Options = new MigrationOptions { PrecopyRounds = 0, PostCopy = PostCopyMode.On },
            });
            await LocalClusters.EventuallyAsync(() => Task.FromResult(File.Exists(PageTunnelBreakHook.PausedPath(source.VolumeHostPath, name))),
                TimeSpan.FromMinutes(1), "the page tunnel holds still after 8 MiB");
            using (var docker = TestEnvironment.OuterDocker())
            {
                await docker.Containers.KillContainerAsync(source.EngineContainerId, new Docker.DotNet.Models.ContainerKillParameters());
                await docker.Containers.KillContainerAsync(source.RuntimeContainerId, new Docker.DotNet.Models.ContainerKillParameters());
            }

            var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
            Report(migration, null);
            Assert.Multiple(() =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Failed));
                Assert.That(migration.PostCopy, Is.True);
                Assert.That(migration.Error, Does.StartWith("post-copy failed after the commit: "));
                Assert.That(migration.Error, Does.Contain("'b' stopped its copy (memory incomplete; what it did since the switch is lost)"));
                Assert.That(migration.Error, Does.EndWith("the pages not yet in 'b' are lost, and the app with them (the source runtime in 'a' is gone)"));
            });
        }
        finally
        {
            if (File.Exists(hook)) File.Delete(hook);
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    private static async Task<RuntimeInstance> SourceRuntimeAsync(string name)
    {
        var adapter = (DockerHostAdapter)LocalClusters.A.Services.GetRequiredService<Federation.Adapters.IOrchestratorAdapter>();
        return await adapter.Host.FindRuntimeAsync(adapter.RuntimeName(new Federation.Adapters.WorkloadId("default", name)), CancellationToken.None)
               ?? throw new InvalidOperationException("the source runtime is not there");
    }

    /// <summary>Where the app's port of a Docker-host runtime is published on 127.0.0.1.</summary>
    private static int RuntimeAppPort(RuntimeInstance runtime) => runtime.PublishedPorts[TestApp.Port];

    /// <summary>Moves the workload to b while a client reads it through the stable address; the migration as it ended, its events, the client.</summary>
    private static async Task<(Migration Migration, List<MigrationEvent> Events, StableClient Client)> MoveWithClientAsync(string name, int stablePort,
        MigrationOptions options)
    {
        await using var client = new StableClient(stablePort, TimeSpan.FromMinutes(3));
        await Task.Delay(500);
        var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest { Workload = $"default/{name}", Destination = "b", Options = options });
        var events = await WatchAsync(started.MigrationId);
        await Task.Delay(500);
        await client.StopAsync();
        var migration = await LocalClusters.A.Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = started.MigrationId });
        Report(migration, client);
        return (migration, events, client);
    }

    /// <summary>No request failed, one process answered all along with a counter that never went back, and its memory is whole.</summary>
    private static async Task AssertOneProcessAllAlongAsync(StableClient client, int stablePort, TestAppStatus first)
    {
        var after = await TestApp.AskAsync(stablePort, "VERIFY");
        var sum = await TestApp.AskAsync(stablePort, "SUM");
        var answers = client.Answers.Select(a => a.Status).ToList();
        Assert.That(client.Failures, Is.Empty, "no client request failed: new connections were held, not refused");
        Assert.That(answers.Select(a => a.Seed).Distinct(), Is.EquivalentTo(new[] { first.Seed }), "one process all along: the memory came along");
        Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
        Assert.That(after.Fields["verify"], Is.EqualTo("ok"), "every page matches its version after the move");
        Assert.That(sum.Fields["memsum"], Is.EqualTo(sum.Checksum), "the memory checksum matches");
        Assert.That(after.Counter, Is.GreaterThan(first.Counter));
    }

    private static async Task<List<MigrationEvent>> WatchAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var call = LocalClusters.A.Client.Watch(new WatchRequest { MigrationId = id }, cancellationToken: timeout.Token);
        var events = new List<MigrationEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync(timeout.Token))
        {
            events.Add(e);
            if (e.BytesTotal == 0) TestContext.Out.WriteLine($"  event {e.Phase}: {e.Message}");
            if (e.Terminal) break;
        }
        return events;
    }

    public static void Report(Migration m, StableClient? client)
    {
        TestContext.Out.WriteLine($"migration {m.Id}: {m.Phase} {m.Error} mode={m.PrecopyMode} stop={m.PrecopyStopReason}");
        foreach (var p in m.Phases) TestContext.Out.WriteLine($"  {p.Phase,-16} {p.Duration?.ToTimeSpan().TotalMilliseconds,8:F0} ms");
        foreach (var r in m.Rounds)
            TestContext.Out.WriteLine($"  round {r.Round}{(r.Final ? " final" : "")}: checkpoint {r.CheckpointBytes >> 10} KiB in {r.CheckpointDuration?.ToTimeSpan().TotalMilliseconds:F0} ms, " +
                                      $"sent {r.BytesSent >> 10} KiB, skipped {r.BytesSkipped >> 10} KiB in {r.TransferDuration?.ToTimeSpan().TotalMilliseconds:F0} ms, attempts {r.TransferAttempts}");
        TestContext.Out.WriteLine($"  downtime {m.Downtime?.ToTimeSpan().TotalMilliseconds:F0} ms, traffic hold {m.TrafficHold?.ToTimeSpan().TotalMilliseconds:F0} ms");
        if (client is not null)
            TestContext.Out.WriteLine($"  client: {client.Answers.Count} answers, {client.Failures.Count} failures, longest request {client.LongestRequest.TotalMilliseconds:F0} ms");
    }
}
