using System.Diagnostics;
using Federation.V1;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// Measures (never asserts) the fixed cost of pushing a small checkpoint between two runtimes, the final push of a
/// post-copy move: one lazy checkpoint (about 26 small files) is copied on A's volume under several names, and each
/// copy is pushed to B in turn: the first push of each Engine pair is the cold one, the rest are warm. Prints the
/// wall time of each push as the caller sees it and the Engines' step timings from their logs. Run by hand:
/// <c>dotnet test --filter FullyQualifiedName~PushLatencyBench</c>; FEDTEST_PUSH_BENCH_ROUNDS sets the warm pushes (default 7),
/// FEDTEST_PUSH_BENCH_IDLE_S an idle pause before the first push (seconds, default none).
/// </summary>
[TestFixture]
[Explicit("a measurement, run by hand")]
[Category("bench")]
[NonParallelizable]
public sealed class PushLatencyBench
{
    [Test]
    public async Task Small_checkpoint_push_latency()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("FEDTEST_PUSH_BENCH_ROUNDS"), out var r) ? Math.Clamp(r, 1, 50) : 7;
        var starting = Stopwatch.StartNew();
        await using var runtimes = await TwoRuntimes.StartAsync(TwoRuntimes.Prefix("fedtest-pushbench"), CancellationToken.None);
        TestContext.Out.WriteLine($"STARTED two runtimes in {starting.Elapsed.TotalMilliseconds:F0} ms");
        const string app = "push-bench";
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest
        {
            Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 16, dirtyKib: 0), StartMode = StartMode.Active,
        });
        await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.A));
        var checkpoint = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "lazy-0", LazyPages = true });
        TestContext.Out.WriteLine($"lazy checkpoint: {checkpoint.TotalBytes} bytes in {checkpoint.Files.Count} files");

        var appDirectory = Path.Combine(runtimes.A.VolumeHostPath, "checkpoints", app);
        var names = Enumerable.Range(1, rounds + 1).Select(i => $"bench-{i:D2}").ToList();
        foreach (var name in names) CopyDirectory(Path.Combine(appDirectory, "lazy-0"), Path.Combine(appDirectory, name));

        // A migration's Engines have usually been idle for a while (idle thread-pool threads retire after 20 s).
        if (int.TryParse(Environment.GetEnvironmentVariable("FEDTEST_PUSH_BENCH_IDLE_S"), out var idle) && idle > 0)
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(idle, 120)));
        var walls = new List<double>();
        var engineMs = new List<double>();
        foreach (var name in names)
        {
            var watch = Stopwatch.StartNew();
            var last = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, name);
            walls.Add(watch.Elapsed.TotalMilliseconds);
            engineMs.Add(last.Elapsed.ToTimeSpan().TotalMilliseconds);
            TestContext.Out.WriteLine($"{name}: {walls[^1]:F0} ms as the caller sees it (open + push); the Engine's sync {last.Elapsed.ToTimeSpan().TotalMilliseconds:F0} ms, "
                + $"{last.BytesTotal} bytes, {last.BytesSent} on the wire, trees read in {last.FileTreeScan.ToTimeSpan().TotalMilliseconds:F0} ms");
        }
        var warm = walls.Skip(1).Order().ToList();
        TestContext.Out.WriteLine($"RESULT cold {walls[0]:F0} ms (Engine's sync {engineMs[0]:F0} ms); warm median {warm[warm.Count / 2]:F0} ms "
            + $"(min {warm[0]:F0}, max {warm[^1]:F0}; Engine's sync median {engineMs.Skip(1).Order().ElementAt(warm.Count / 2):F0} ms) over {warm.Count}");

        foreach (var runtime in new[] { runtimes.A, runtimes.B })
        {
            TestContext.Out.WriteLine($"--- {runtime.Name}'s Engine");
            foreach (var line in (await runtimes.EngineLogAsync(runtime)).Split('\n')
                         .Where(l => l.Contains("steps:") || l.Contains("pushed ") || l.Contains("warm")))
                TestContext.Out.WriteLine(line.Trim());
        }

        try
        {
            await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
        }
        catch (Grpc.Core.RpcException e)
        {
            // Removing an app whose lazy dump still serves pages can fail (a zombie); the runtimes go anyway.
            TestContext.Out.WriteLine("remove: " + e.Status.Detail);
        }
    }

    /// <summary>
    /// Pre-copy's pushes for comparison: a 128 MiB app dirtying 64 KiB every 10 ms, checkpointed leave-running round after
    /// round, each round pushed to B as a delta against the ones before (the final round's push is one more of these).
    /// </summary>
    [Test]
    public async Task Precopy_round_push_latency()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("FEDTEST_PUSH_BENCH_ROUNDS"), out var r) ? Math.Clamp(r, 1, 50) : 7;
        await using var runtimes = await TwoRuntimes.StartAsync(TwoRuntimes.Prefix("fedtest-pushbench"), CancellationToken.None);
        const string app = "precopy-bench";
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest
        {
            Spec = TestApp.Spec(app, TestEnvironment.TestAppImage, mib: 128, dirtyKib: 64), StartMode = StartMode.Active,
        });
        await TestApp.WaitAsync(TwoRuntimes.AppPort(runtimes.A));
        var walls = new List<double>();
        for (var round = 1; round <= rounds + 1; round++)
        {
            var name = $"round-{round:D2}";
            await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = name, LeaveRunning = true });
            var watch = Stopwatch.StartNew();
            var last = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, name);
            walls.Add(watch.Elapsed.TotalMilliseconds);
            TestContext.Out.WriteLine($"{name}: {walls[^1]:F0} ms as the caller sees it; the Engine's sync {last.Elapsed.ToTimeSpan().TotalMilliseconds:F0} ms, "
                + $"{last.BytesTotal} bytes, {last.BytesSent} on the wire, {last.BytesSkipped} already there");
        }
        var later = walls.Skip(1).Order().ToList();
        TestContext.Out.WriteLine($"RESULT first round {walls[0]:F0} ms; later rounds median {later[later.Count / 2]:F0} ms (min {later[0]:F0}, max {later[^1]:F0}) over {later.Count}");
        foreach (var runtime in new[] { runtimes.A, runtimes.B })
        {
            TestContext.Out.WriteLine($"--- {runtime.Name}'s Engine");
            foreach (var line in (await runtimes.EngineLogAsync(runtime)).Split('\n')
                         .Where(l => (l.Contains("steps:") || l.Contains("pushed ") || l.Contains("offering ")) && !l.Contains("warm")))
                TestContext.Out.WriteLine(line.Trim());
        }
        await runtimes.EngineA.RemoveAppAsync(new RemoveAppRequest { Name = app, DeleteCheckpoints = true });
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(from)) CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
    }
}
