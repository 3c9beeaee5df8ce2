using System.Globalization;
using Federation.V1;
using Grpc.Core;

namespace Federation.MigrationBench;

/// <summary>
/// Our migration of one case: deploy the test app in cluster a, read it through its stable address, Migrate to b, follow
/// Watch until the end, verify (same seed, counter continued, verify=ok), delete the workload.
/// </summary>
public sealed class OursRun(ClusterPair clusters, BenchOptions options, SlowLink link)
{
    private static readonly TimeSpan MigrationBound = TimeSpan.FromMinutes(10);
    private const string Namespace = "default";

    public async Task<RunResult> RunAsync(BenchCase benchCase, int rep, string name, CancellationToken ct)
    {
        var result = new RunResult(benchCase, rep, RunKind.Ours);
        var stableNote = "";
        try
        {
            var workload = await clusters.A.Client.DeployAsync(new DeployRequest
            {
                Ref = new WorkloadRef { Namespace = Namespace, Name = name },
                Spec = AppSpecs.TestApp(name, options.AppImage, benchCase),
            }, deadline: DateTime.UtcNow.AddMinutes(5), cancellationToken: ct);
            var port = int.Parse(workload.StableAddress.Split(':')[1], CultureInfo.InvariantCulture);
            var before = await AppProtocol.WaitAsync(port, "GET", TimeSpan.FromMinutes(2), ct);
            Task<string>? shapeTarget = null;
            using var stopShaping = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (benchCase.SlowLink)
            {
                await link.ApplyAsync(RuntimeName("a", name), ct);
                shapeTarget = ShapeWhenStartedAsync(RuntimeName("b", name), stopShaping.Token);
            }

            await using var client = new CounterClient([port], MigrationBound + TimeSpan.FromMinutes(2));
            await client.FirstAnswerFromAsync(port, BenchClock.Now, TimeSpan.FromSeconds(30), ct);
            await Task.Delay(1000, ct);

            var started = BenchClock.Now;
            var migrate = await clusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"{Namespace}/{name}",
                Destination = "b",
                Options = new MigrationOptions { PrecopyRounds = benchCase.PostCopy ? 0 : options.PrecopyRounds, PostCopy = benchCase.PostCopy ? PostCopyMode.On : PostCopyMode.Off },
            }, deadline: DateTime.UtcNow.AddMinutes(2), cancellationToken: ct);
            var (migration, ended) = await FollowAsync(migrate.MigrationId, ct);
            await Task.Delay(1000, ct);
            var seen = await client.StopAsync();
            if (shapeTarget is not null)
            {
                await stopShaping.CancelAsync();
                stableNote = await shapeTarget;
                var precopy = migration.Phases.FirstOrDefault(p => p.Phase == MigrationPhase.Precopy);
                if (stableNote.StartsWith("shaped at ", StringComparison.Ordinal) && precopy?.StartedAt is { } precopyStart &&
                    DateTime.Parse(stableNote["shaped at ".Length..], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) > precopyStart.ToDateTime())
                    stableNote = "target shaped only after pre-copy began";
                else if (stableNote.StartsWith("shaped at ", StringComparison.Ordinal))
                    stableNote = "";
            }

            result = result with
            {
                Downtime = seen.LongestGap,
                Total = ended - started,
                ReportedDowntime = migration.Downtime?.ToTimeSpan(),
                RoundBytes = migration.Rounds.OrderBy(r => r.Round).Select(r => (long)r.BytesSent).ToList(),
                Bytes = migration.Rounds.Sum(r => (long)r.BytesSent),
                Steps = migration.Phases.Where(p => p.Duration is not null && p.Phase != MigrationPhase.Completed).Select(p => (PhaseName(p.Phase), p.Duration.ToTimeSpan())).ToList(),
                FailedRequests = seen.Failed,
                Notes = Join(stableNote, $"mode {migration.PrecopyMode}, pre-copy stop: {migration.PrecopyStopReason}", FreezeNote(migration)),
            };
            if (migration.Phase != MigrationPhase.Completed)
                return result with { Failure = $"migration ended {PhaseName(migration.Phase)}: {migration.Error}" };
            var after = await AppProtocol.AskAsync(port, "VERIFY", TimeSpan.FromMinutes(2), ct);
            return result with { Failure = Verdict.Of(before, after, seen) };
        }
        catch (Exception e) when (e is BenchException or RpcException or IOException or System.Net.Sockets.SocketException or FormatException or TimeoutException)
        {
            return result with { Failure = OneLine(e) };
        }
        finally
        {
            await DeleteEverywhereAsync(name);
        }
    }

    /// <summary>Watch until the terminal event; the local instant it arrived ends the total time. Falls back to polling GetMigration.</summary>
    private async Task<(Migration Migration, TimeSpan Ended)> FollowAsync(string id, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + MigrationBound;
        try
        {
            using var watch = clusters.A.Client.Watch(new WatchRequest { MigrationId = id }, deadline: deadline, cancellationToken: ct);
            await foreach (var update in watch.ResponseStream.ReadAllAsync(ct))
            {
                if (update.Terminal) return (update.Migration ?? await GetAsync(id, ct), BenchClock.Now);
            }
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.DeadlineExceeded)
        {
            Console.Error.WriteLine($"migration bench: Watch of {id} broke ({e.Status.Detail}); polling GetMigration");
        }
        while (DateTime.UtcNow < deadline)
        {
            var migration = await GetAsync(id, ct);
            if (migration.Phase is MigrationPhase.Completed or MigrationPhase.RolledBack or MigrationPhase.Failed) return (migration, BenchClock.Now);
            await Task.Delay(100, ct);
        }
        throw new BenchException($"migration {id} did not end within {MigrationBound.TotalMinutes:F0} min");
    }

    private async Task<Migration> GetAsync(string id, CancellationToken ct) =>
        await clusters.A.Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = id }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);

    /// <summary>Shapes the target runtime's veth as soon as its container runs (it is made during the migration's prepare phase).</summary>
    private async Task<string> ShapeWhenStartedAsync(string container, CancellationToken ct)
    {
        var until = BenchClock.Now + MigrationBound;
        try
        {
            while (BenchClock.Now < until)
            {
                var state = await Shell.RunAsync("docker", ["inspect", "-f", "{{.State.Running}}", container], TimeSpan.FromSeconds(20), ct);
                if (state.ExitCode == 0 && state.Stdout.Trim() == "true")
                {
                    await link.ApplyAsync(container, ct);
                    return "shaped at " + DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
                }
                await Task.Delay(50, ct);
            }
            return "target runtime never ran: not shaped";
        }
        catch (OperationCanceledException)
        {
            return "target runtime not shaped before the migration ended";
        }
        catch (BenchException e)
        {
            return "target not shaped: " + e.Message;
        }
    }

    private async Task DeleteEverywhereAsync(string name)
    {
        foreach (var cluster in new[] { clusters.B, clusters.A })
        {
            try
            {
                await cluster.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Workload = new WorkloadRef { Namespace = Namespace, Name = name } },
                    deadline: DateTime.UtcNow.AddMinutes(2));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound) { }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"migration bench: deleting {name} in cluster {cluster.Cluster}: {e.Status.Detail}");
            }
        }
    }

    public static string RuntimeName(string cluster, string name) => $"{Leftovers.Prefix}-{cluster}-{Namespace}-{name}";

    private static string PhaseName(MigrationPhase phase) => System.Text.RegularExpressions.Regex.Replace(phase.ToString(), "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant();

    /// <summary>What the final round moved: bytes on the wire, and the file trees' changed files and how long reading them took.</summary>
    private static string FreezeNote(Migration migration) =>
        migration.Rounds.OrderBy(r => r.Round).LastOrDefault() is { } final
            ? string.Create(CultureInfo.InvariantCulture,
                $"freeze: {final.BytesSent / 1048576.0:F2} MiB on the wire, file trees {final.FileTreeFiles} changed files / {final.FileTreeBytes / 1048576.0:F2} MiB read in {(final.FileTreeScan?.ToTimeSpan() ?? TimeSpan.Zero).TotalMilliseconds:F0} ms; " +
                $"pre-copy file trees {migration.Rounds.Where(r => r != final).Sum(r => (long)r.FileTreeBytes) / 1048576.0:F1} MiB")
            : "";

    private static string Join(params string[] parts) => string.Join("; ", parts.Where(p => p.Length > 0));

    public static string OneLine(Exception e) => e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message.ReplaceLineEndings(" ");
}
