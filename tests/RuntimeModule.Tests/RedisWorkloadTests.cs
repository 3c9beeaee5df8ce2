using System.Diagnostics;
using Federation.V1;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// A whole application against real dockerd, runc and CRIU: Debian's redis-server (images/redis) and the test app's web part
/// (MODE=web, BACKEND=redis), which keeps ONE connection to Redis over localhost in their shared network namespace and
/// speaks RESP on it. Keys written through the web part before, during and after a pre-copy round are all there after the
/// move, read through the web part on the destination, and Redis still numbers the web part's connection as before: the
/// connection survived the move. (A failed restore and the source's rollback are <see cref="WorkloadOfSeveralTests"/>'.)
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class RedisWorkloadTests
{
    private const int KeysBefore = 500;
    private const int KeysAfterRound = 100;
    /// <summary>Bounds the writes that go on while the pre-copy round is dumped and sent.</summary>
    private const int MaxKeysDuringRound = 5000;

    private TwoRuntimes runtimes = null!;

    [OneTimeSetUp]
    public async Task StartRuntimes()
    {
        var redis = TestEnvironment.RedisImage;
        runtimes = await TwoRuntimes.StartAsync(TwoRuntimes.Prefix("fedtest-redis"), CancellationToken.None);
        foreach (var runtime in new[] { runtimes.A, runtimes.B })
            Assert.That(await runtimes.Host.LoadImageAsync(runtime, redis, CancellationToken.None), Does.Contain(redis));
    }

    [OneTimeTearDown]
    public async Task RemoveRuntimes()
    {
        if (runtimes is not null) await runtimes.DisposeAsync();
    }

    [TearDown]
    public async Task RemoveApps()
    {
        foreach (var engine in new[] { runtimes.EngineA, runtimes.EngineB })
        {
            foreach (var app in (await engine.ListAppsAsync(new ListAppsRequest())).Apps)
                await engine.RemoveAppAsync(new RemoveAppRequest { Name = app.Spec.Name, DeleteCheckpoints = true });
        }
    }

    [Test]
    public async Task Web_app_and_redis_move_live_with_every_key_and_the_connection_between_them()
    {
        const string app = "shop-redis";
        var clock = Stopwatch.StartNew();
        await runtimes.EngineA.CreateAppAsync(new CreateAppRequest { Spec = TestApp.WebAndRedis(app, TestEnvironment.TestAppImage, TestEnvironment.RedisImage), StartMode = StartMode.Active });
        var portA = TwoRuntimes.AppPort(runtimes.A);
        var started = await TestApp.WaitForWebAsync(portA);
        Assert.That(started, Does.Match(@"^client_id=\d+ keys=0 backend_connects=1$"));
        var clientId = started.Split(' ')[0];
        var written = new List<string>();
        for (var i = 0; i < KeysBefore; i++) await PutAsync(portA, $"before-{i}", written);

        // A pre-copy round (both containers frozen together, dumped, thawed) and its transfer, while the web part is written on.
        using var done = new CancellationTokenSource();
        var roundClock = Stopwatch.StartNew();
        var writes = WriteUntilAsync(portA, "during", done.Token);
        var round = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "round-1", LeaveRunning = true });
        var roundSent = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "round-1");
        var roundTook = roundClock.Elapsed;
        done.Cancel();
        var (during, longest) = await writes;
        written.AddRange(during);
        Assert.That(during, Is.Not.Empty, "the web part answered during the pre-copy round");
        Assert.That(during, Has.Count.LessThan(MaxKeysDuringRound), "the writes went on until the round had been sent");
        Assert.That(await TestApp.SendAsync(portA, "STATS"), Is.EqualTo($"{clientId} keys={written.Count} backend_connects=1"), "the round left the connection alone");
        for (var i = 0; i < KeysAfterRound; i++) await PutAsync(portA, $"after-round-{i}", written);

        var final = await runtimes.EngineA.CheckpointAsync(new CheckpointRequest { App = app, Checkpoint = "final" });
        Assert.Multiple(() =>
        {
            Assert.That(final.Files.Any(f => f.Path.StartsWith("redis/tcp-stream-", StringComparison.Ordinal)), Is.True, "Redis' end of the connection was dumped");
            Assert.That(final.Files.Any(f => f.Path.StartsWith("web/tcp-stream-", StringComparison.Ordinal)), Is.True, "the web part's end of the connection was dumped");
        });
        var finalSent = await runtimes.TransferAsync(runtimes.A, runtimes.B, app, "final");
        var restored = await runtimes.EngineB.RestoreAsync(new RestoreRequest { App = app, Checkpoint = "final", Generation = 1 });
        var portB = TwoRuntimes.AppPort(runtimes.B);
        Assert.That(await TestApp.WaitForWebAsync(portB), Is.EqualTo($"{clientId} keys={written.Count} backend_connects=1"),
            "Redis holds every key written, and neither did the web part open a new connection nor did Redis number one anew: the connection is the one from before the move");

        var wrong = new List<string>();
        foreach (var key in written)
        {
            var answer = await TestApp.SendAsync(portB, $"GET {key}");
            if (answer != $"value={Value(key)}") wrong.Add($"{key}: {answer}");
        }
        Assert.That(wrong, Is.Empty, $"every one of the {written.Count} keys, read through the web part after the move");
        await PutAsync(portB, "after-move", written);
        Assert.Multiple(async () =>
        {
            Assert.That(await TestApp.SendAsync(portB, "STATS"), Is.EqualTo($"{clientId} keys={written.Count} backend_connects=1"));
            Assert.That((await runtimes.EngineB.GetAppAsync(new GetAppRequest { Name = app })).State, Is.EqualTo(AppState.Running));
        });
        TestContext.Out.WriteLine($"{written.Count} keys ({during.Count} during the round, the longest write {longest.TotalMilliseconds:F0} ms); round and its transfer {roundTook.TotalSeconds:F2} s: {Steps(round.Timings)}, {round.TotalBytes / 1024} KiB, " +
            $"sent {roundSent.BytesSent / 1024} KiB; final: {Steps(final.Timings)}, {final.TotalBytes / 1024} KiB, sent {finalSent.BytesSent / 1024} KiB; " +
            $"restore: {Steps(restored.Timings)}; whole test {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static string Value(string key) => "value of " + key;

    private static async Task PutAsync(int port, string key, List<string> written)
    {
        Assert.That(await TestApp.SendAsync(port, $"PUT {key} {Value(key)}"), Is.EqualTo("ok"), $"PUT {key}");
        written.Add(key);
    }

    /// <summary>Writes keys one after another until <paramref name="done"/> is cancelled (at most <see cref="MaxKeysDuringRound"/>); every one must succeed.</summary>
    /// <returns>The keys written and the longest write (one overlapping the round's freeze waits it out).</returns>
    private static Task<(List<string> Keys, TimeSpan Longest)> WriteUntilAsync(int port, string prefix, CancellationToken done) => Task.Run(async () =>
    {
        var written = new List<string>();
        var longest = TimeSpan.Zero;
        for (var i = 0; i < MaxKeysDuringRound && !done.IsCancellationRequested; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await PutAsync(port, $"{prefix}-{i}", written);
            if (Stopwatch.GetElapsedTime(started) > longest) longest = Stopwatch.GetElapsedTime(started);
        }
        return (written, longest);
    });

    private static string Steps(IEnumerable<StepTiming> timings) =>
        string.Join(" ", timings.Select(t => $"{t.Step}={t.Duration.ToTimeSpan().TotalSeconds:F2}s"));
}
