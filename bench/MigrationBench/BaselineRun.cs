namespace Federation.MigrationBench;

/// <summary>
/// The UMS-style baseline (its Docker-in-Docker mode) of one case: the app runs in runtime A's inner dockerd; timed:
/// <c>docker checkpoint create</c> (with exit) in A, <c>rsync -a</c> of the checkpoint directory to B across the runtimes'
/// network, <c>docker create</c> of the same container in B and <c>docker start --checkpoint</c>. Docker 26 does not take
/// <c>start --checkpoint-dir</c>, so the copy lands on B's state volume and is renamed (same tmpfs: no copy) into the created
/// container's checkpoints directory, where <c>start --checkpoint</c> finds it. The client reads A's port until it fails, then B's.
/// </summary>
public sealed class BaselineRun(BenchOptions options, SlowLink link, string work)
{
    public static readonly string Network = $"{Leftovers.Prefix}-base";
    private const string Checkpoint = "cp";
    private static readonly TimeSpan StepBound = TimeSpan.FromMinutes(5);

    public async Task<RunResult> RunAsync(BenchCase benchCase, int rep, string name, CancellationToken ct)
    {
        var result = new RunResult(benchCase, rep, RunKind.Baseline);
        string nameA = $"{Leftovers.Prefix}-base-{name}-a", nameB = $"{Leftovers.Prefix}-base-{name}-b";
        try
        {
            await EnsureNetworkAsync(ct);
            var starting = new[] { BaselineRuntime.StartAsync(nameA, Network, options.RuntimeImage, ct), BaselineRuntime.StartAsync(nameB, Network, options.RuntimeImage, ct) };
            await Task.WhenAll(starting);
            BaselineRuntime a = await starting[0], b = await starting[1];
            await Task.WhenAll(a.LoadImageAsync(options.AppImage, ct), b.LoadImageAsync(options.AppImage, ct), a.WarmCriuAsync(ct), b.WarmCriuAsync(ct));
            if (benchCase.SlowLink)
            {
                await link.ApplyAsync(a.Name, ct);
                await link.ApplyAsync(b.Name, ct);
            }
            var staging = Path.Combine(b.VolumePath, "incoming");
            await using var rsyncd = await RsyncDaemon.StartAsync(b, staging, work, ct);

            var env = AppSpecs.Environment(benchCase).SelectMany(kv => new[] { "-e", $"{kv.Key}={kv.Value}" }).ToArray();
            string[] container = ["--name", "app", "-p", $"{AppSpecs.Port}:{AppSpecs.Port}", .. env, options.AppImage, "/app/testapp"];
            await a.DockerAsync(StepBound, ct, ["run", "-d", .. container]);
            var before = await AppProtocol.WaitAsync(a.AppPort, "GET", TimeSpan.FromMinutes(2), ct);
            var idA = await a.DockerAsync(StepBound, ct, "inspect", "-f", "{{.Id}}", "app");

            await using var client = new CounterClient([a.AppPort, b.AppPort], TimeSpan.FromMinutes(20));
            await client.FirstAnswerFromAsync(a.AppPort, BenchClock.Now, TimeSpan.FromSeconds(30), ct);
            await Task.Delay(1000, ct);
            client.AllowFailover = true;

            var t0 = BenchClock.Now;
            await a.DockerAsync(StepBound, ct, "checkpoint", "create", "app", Checkpoint);
            var t1 = BenchClock.Now;
            var source = Path.Combine(a.DataRoot, "containers", idA, "checkpoints", Checkpoint);
            var bytes = await RsyncDaemon.SendAsync(a, source, b, Checkpoint, ct);
            var t2 = BenchClock.Now;
            var idB = await b.DockerAsync(StepBound, ct, ["create", .. container]);
            var checkpoints = Directory.CreateDirectory(Path.Combine(b.DataRoot, "containers", idB, "checkpoints")).FullName;
            Directory.Move(Path.Combine(staging, Checkpoint), Path.Combine(checkpoints, Checkpoint));
            var t3 = BenchClock.Now;
            await b.DockerAsync(StepBound, ct, "start", "--checkpoint", Checkpoint, "app");
            var t4 = BenchClock.Now;
            var first = await client.FirstAnswerFromAsync(b.AppPort, t0, TimeSpan.FromMinutes(2), ct);
            await Task.Delay(1000, ct);
            var seen = await client.StopAsync();
            var after = await AppProtocol.AskAsync(b.AppPort, "VERIFY", TimeSpan.FromMinutes(2), ct);
            return result with
            {
                Downtime = seen.LongestGap,
                Total = first.Ended - t0,
                Bytes = bytes,
                Steps =
                [
                    ("checkpoint", t1 - t0), ("copy", t2 - t1), ("create", t3 - t2), ("start --checkpoint", t4 - t3),
                    ("first answer", first.Ended > t4 ? first.Ended - t4 : TimeSpan.Zero),
                ],
                FailedRequests = seen.Failed,
                Failure = Verdict.Of(before, after, seen),
            };
        }
        catch (Exception e) when (e is BenchException or IOException or System.Net.Sockets.SocketException or FormatException or UnauthorizedAccessException)
        {
            return result with { Failure = OursRun.OneLine(e) };
        }
        finally
        {
            await BaselineRuntime.RemoveAsync(nameA, CancellationToken.None);
            await BaselineRuntime.RemoveAsync(nameB, CancellationToken.None);
        }
    }

    private static async Task EnsureNetworkAsync(CancellationToken ct)
    {
        var inspect = await Shell.RunAsync("docker", ["network", "inspect", Network], TimeSpan.FromSeconds(30), ct);
        if (inspect.ExitCode != 0) await Shell.DockerAsync(ct, "network", "create", Network);
    }
}
