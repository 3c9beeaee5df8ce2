using System.Diagnostics;
using Federation.Adapters;
using Federation.Common;
using Federation.Common.Auth;
using Federation.Common.Retry;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.Coordinator.Traffic;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Saga;

/// <summary>
/// The forward path of one migration, source side: prepare the target, pre-copy rounds, hold traffic,
/// final checkpoint and delta, commit, switch traffic, delete the source. Each step is journaled
/// before it acts. Until the commit begins, any failure is rolled back by the caller; from the commit
/// on, the migration only goes forward (<see cref="FinishAsync"/>).
/// </summary>
public sealed partial class MigrationSaga(
    IOrchestratorAdapter adapter,
    RuntimeEngines engines,
    PeerClients peers,
    SourceSideTraffic traffic,
    MigrationJournal journal,
    MigrationTracker tracker,
    MigrationHooks hooks,
    PostCopyServing pageServing,
    IOptions<CoordinatorOptions> options,
    ILogger<MigrationSaga> logger)
{
    private MigrationDefaults Defaults => options.Value.Migration;

    public async Task RunAsync(Migration migration, MigrationControl control, CancellationToken ct)
    {
        var workload = new WorkloadId(migration.Workload.Namespace, migration.Workload.Name);
        var source = await adapter.GetWorkloadAsync(workload, ct)
            ?? throw FederationException.NotFound($"workload {workload} is no longer in cluster '{migration.SourceCluster}'");
        var engine = engines.For(source.EngineEndpoint);
        var peer = peers.For(migration.DestinationCluster);
        var app = workload.Name;
        var spec = (await engine.GetAppAsync(new GetAppRequest { Name = app }, cancellationToken: ct)).Spec;
        var sourceRuntime = await engine.DescribeAsync(new DescribeRequest(), cancellationToken: ct);
        var policy = new PrecopyPolicy(migration.Options.PrecopyRounds, migration.Options.ConvergeBytes, Defaults.ShrinkRatio);
        var finalName = CheckpointNames.Final(migration.Id);

        using var heartbeats = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeatLoop = HeartbeatLoopAsync(peer, migration, heartbeats.Token);
        try
        {
            control.ThrowIfCancelRequested();
            tracker.EnterPhase(migration, MigrationPhase.PrepareTarget, $"creating the passive target in cluster '{migration.DestinationCluster}'");
            var firstName = policy.Rounds == 0 ? finalName : CheckpointNames.Round(migration.Id, 1);
            journal.AppendStep(migration.Id, SagaSteps.PrepareTarget, StepStatus.Begun);
            await hooks.ReachedAsync(MigrationHooks.PrepareTarget, migration.Id, ct);
            var prepareStarted = Stopwatch.GetTimestamp();
            var target = await peer.PrepareTargetAsync(new PrepareTargetRequest
            {
                MigrationId = migration.Id,
                SourceCluster = migration.SourceCluster,
                Workload = migration.Workload,
                Spec = spec,
                FirstCheckpoint = firstName,
                HomeCluster = migration.HomeCluster,
                StableAddress = source.StableAddress ?? "",
                SourceRuntime = sourceRuntime,
            }, deadline: Deadline(Defaults.TargetReadyTimeout + Defaults.PeerCallTimeout), cancellationToken: ct);
            journal.AppendStep(migration.Id, SagaSteps.PrepareTarget, StepStatus.Done, target.PeerEngineEndpoint);
            tracker.Save(migration, $"target ready in {Stopwatch.GetElapsedTime(prepareStarted).TotalMilliseconds:F0} ms{Steps(target.Timings)}");
            // Negotiation forecast the destination's runtime; the target's own Engine has the last word on pre-dumps.
            var mode = PrecopyPolicy.ModeFor(policy.Rounds, target.PreDumpPossible);
            if (mode != migration.PrecopyMode)
            {
                migration.PrecopyMode = mode;
                tracker.Save(migration, $"the target on node '{target.Node}' decides pre-copy mode {mode}");
            }
            var token = target.Token;
            var noPostCopy = PostCopyChoice.Impossible(spec, sourceRuntime, target);

            if (policy.Rounds > 0)
            {
                tracker.EnterPhase(migration, MigrationPhase.Precopy, $"pre-copy ({migration.PrecopyMode})");
                for (uint round = 1; ; round++)
                {
                    control.ThrowIfCancelRequested();
                    var name = CheckpointNames.Round(migration.Id, round);
                    await hooks.ReachedAsync(MigrationHooks.PrecopyRound(round), migration.Id, ct);
                    if (round > 1) token = await OpenTransferAsync(peer, migration.Id, name, ct);
                    var stats = await CheckpointAsync(engine, migration, app, name, round, leaveRunning: true, ct,
                        preDump: migration.PrecopyMode == PrecopyMode.PreDumps,
                        parent: migration.PrecopyMode == PrecopyMode.PreDumps && round > 1 ? CheckpointNames.Round(migration.Id, round - 1) : "");
                    await TransferAsync(engine, peer, migration, stats, app, target.PeerEngineEndpoint, token, ct);
                    var stop = policy.StopReason(migration.Rounds.Where(r => !r.Final).ToList());
                    if (stop is not null)
                    {
                        migration.PrecopyStopReason = stop;
                        tracker.Save(migration, $"pre-copy stops after round {round}: {stop}");
                        break;
                    }
                }
                token = await OpenTransferAsync(peer, migration.Id, finalName, ct);
            }
            else
            {
                migration.PrecopyStopReason = "stop-and-copy";
            }

            migration.PostCopy = PostCopyChoice.Decide(migration.Options.PostCopy, noPostCopy, migration.PrecopyStopReason,
                migration.Rounds.LastOrDefault()?.BytesSent ?? 0, out var postCopyWhy);
            if (postCopyWhy is not null) tracker.Save(migration, postCopyWhy);

            control.ThrowIfCancelRequested();
            tracker.EnterPhase(migration, MigrationPhase.HoldTraffic, traffic.IsHere(migration)
                ? "holding new client connections"
                : $"holding new client connections at the stable address in home cluster '{SourceSideTraffic.HomeOf(migration)}'");
            journal.AppendStep(migration.Id, SagaSteps.HoldTraffic, StepStatus.Begun, SourceSideTraffic.HomeOf(migration));
            // New connections wait from here on, through the drain of those already forwarded.
            var holdStarted = Stopwatch.GetTimestamp();
            await hooks.ReachedAsync(MigrationHooks.HoldTraffic, migration.Id, ct);
            await traffic.HoldAsync(migration, ct);

            tracker.EnterPhase(migration, MigrationPhase.FinalCheckpoint, "final checkpoint: the app stops");
            journal.AppendStep(migration.Id, SagaSteps.FinalCheckpoint, StepStatus.Begun);
            await hooks.ReachedAsync(MigrationHooks.FinalCheckpoint, migration.Id, ct);
            var frozenAt = Stopwatch.GetTimestamp();
            var lastPreDump = migration.PrecopyMode == PrecopyMode.PreDumps && migration.Rounds.Count > 0 ? migration.Rounds[^1].Checkpoint : "";
            var final = await CheckpointAsync(engine, migration, app, finalName, (uint)migration.Rounds.Count + 1, leaveRunning: false, ct, parent: lastPreDump,
                lazyPages: migration.PostCopy);
            journal.AppendStep(migration.Id, SagaSteps.FinalCheckpoint, StepStatus.Done);

            // Post-copy: the source serves the app's pages from now until the destination has them all. Before the commit is
            // decided, a failure ends the tunnel, which leaves the source frozen with its memory for the rollback to resume.
            var pageKey = migration.PostCopy ? BearerToken.New() : "";
            using var pagesStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var pages = migration.PostCopy ? pageServing.Serve(engine, migration, app, finalName, target.PeerEngineEndpoint, pageKey, pagesStop.Token) : null;
            try
            {
                tracker.EnterPhase(migration, MigrationPhase.FinalTransfer, "sending the last delta");
                await hooks.ReachedAsync(MigrationHooks.FinalTransfer, migration.Id, ct);
                await TransferAsync(engine, peer, migration, final, app, target.PeerEngineEndpoint, token, ct);
                control.ThrowIfCancelRequested();
            }
            catch when (pages is not null)
            {
                await pagesStop.CancelAsync();
                await PostCopyServing.EndQuietlyAsync(pages);
                throw;
            }

            tracker.EnterPhase(migration, MigrationPhase.Commit, $"restoring in cluster '{migration.DestinationCluster}' at generation {migration.Generation}" +
                (migration.PostCopy ? " (post-copy: its pages follow)" : ""));
            var commitStarted = Stopwatch.GetTimestamp();
            await DecideCommitAsync(engine, migration, app, ct);
            await hooks.ReachedAsync(MigrationHooks.Commit, migration.Id, ct);
            var commit = await CommitAsync(peer, migration, ct, pageKey);
            migration.Downtime = Duration.FromTimeSpan(Stopwatch.GetElapsedTime(frozenAt));
            journal.AppendStep(migration.Id, SagaSteps.Commit, StepStatus.Done);
            tracker.Save(migration, $"restored in '{migration.DestinationCluster}' ({commit.RestoreDuration.ToTimeSpan().TotalMilliseconds:F0} ms{Steps(commit.Timings)}) of a commit of {Stopwatch.GetElapsedTime(commitStarted).TotalMilliseconds:F0} ms");

            await FinishAsync(migration, commit, Stopwatch.GetElapsedTime(holdStarted), ct, pages);
        }
        finally
        {
            await heartbeats.CancelAsync();
            await heartbeatLoop;
        }
    }

    /// <summary>
    /// After the commit: switch traffic to the restored app, (post-copy) wait until every page reached it, delete the source,
    /// done. Safe to repeat. A post-copy whose pages stopped coming ends the migration failed, the source kept.
    /// </summary>
    /// <param name="pages">Post-copy: the page tunnel this saga opened; null in recovery, which asks the source's Engine instead.</param>
    public async Task FinishAsync(Migration migration, CommitResponse commit, TimeSpan? holdSoFar, CancellationToken ct,
        PostCopyPages? pages = null)
    {
        var workload = new WorkloadId(migration.Workload.Namespace, migration.Workload.Name);
        tracker.EnterPhase(migration, MigrationPhase.SwitchTraffic, traffic.IsHere(migration)
            ? "switching the stable address to the destination"
            : $"switching the stable address in home cluster '{SourceSideTraffic.HomeOf(migration)}' to the destination");
        journal.AppendStep(migration.Id, SagaSteps.SwitchTraffic, StepStatus.Begun, SourceSideTraffic.HomeOf(migration));
        await hooks.ReachedAsync(MigrationHooks.SwitchTraffic, migration.Id, ct);
        var switchStarted = Stopwatch.GetTimestamp();
        await traffic.SwitchAsync(migration, commit.AppEndpoints.ToDictionary(kv => (int)kv.Key, kv => kv.Value), ct);
        journal.AppendStep(migration.Id, SagaSteps.SwitchTraffic, StepStatus.Done);
        if (holdSoFar is { } hold) migration.TrafficHold = Duration.FromTimeSpan(hold + Stopwatch.GetElapsedTime(switchStarted));

        if (migration.PostCopy && !await pageServing.AllPagesArrivedAsync(migration, pages, ct)) return;

        tracker.EnterPhase(migration, MigrationPhase.DeleteSource, "removing the source workload");
        journal.AppendStep(migration.Id, SagaSteps.DeleteSource, StepStatus.Begun);
        await hooks.ReachedAsync(MigrationHooks.DeleteSource, migration.Id, ct);
        await adapter.DeleteWorkloadAsync(workload, ct);
        journal.AppendStep(migration.Id, SagaSteps.DeleteSource, StepStatus.Done);

        tracker.EnterPhase(migration, MigrationPhase.Completed, $"{workload} now runs in cluster '{migration.DestinationCluster}'");
        LogCompleted(logger, migration.Id, workload.ToString(), migration.DestinationCluster);
    }

    /// <summary>
    /// The decision, taken once: the source's Engine is fenced below the migration's generation (it will restore
    /// or resume its own copy only at that generation, which a rollback gets only while the destination cannot
    /// run it), then the journal records that the commit began. From that record on, recovery never restores the
    /// source unless the destination confirms that it aborted.
    /// </summary>
    private async Task DecideCommitAsync(V1.Engine.EngineClient engine, Migration migration, string app, CancellationToken ct)
    {
        await engine.FenceAsync(new FenceAppRequest { App = app, Generation = migration.Generation }, cancellationToken: ct);
        journal.AppendStep(migration.Id, SagaSteps.Commit, StepStatus.Begun, $"generation {migration.Generation}");
    }

    /// <param name="lazyPagesKey">Post-copy: the page tunnel's key. A commit retried in recovery has none: a destination that has
    /// not restored then refuses the lazy checkpoint, and one that has answers as before.</param>
    public async Task<CommitResponse> CommitAsync(CoordinatorPeer.CoordinatorPeerClient peer, Migration migration, CancellationToken ct, string lazyPagesKey = "") =>
        await peer.CommitAsync(new CommitRequest
        {
            MigrationId = migration.Id,
            Checkpoint = CheckpointNames.Final(migration.Id),
            Generation = migration.Generation,
            LazyPagesKey = lazyPagesKey,
        }, deadline: Deadline(Defaults.TargetReadyTimeout), cancellationToken: ct);

    /// <param name="preDump">A CRIU pre-dump (memory only) instead of a full leave-running dump; where both runtimes track dirty memory.</param>
    /// <param name="parent">The previous pre-dump, so this dump holds only the pages dirtied since.</param>
    /// <param name="lazyPages">Post-copy: the dump writes no memory (the source serves it afterwards).</param>
    private async Task<RoundStats> CheckpointAsync(V1.Engine.EngineClient engine, Migration migration, string app, string name, uint round, bool leaveRunning,
        CancellationToken ct, bool preDump = false, string parent = "", bool lazyPages = false)
    {
        journal.AppendStep(migration.Id, SagaSteps.Checkpoint(name), StepStatus.Begun);
        var watch = Stopwatch.StartNew();
        var response = await engine.CheckpointAsync(new CheckpointRequest
        {
            App = app,
            Checkpoint = name,
            LeaveRunning = leaveRunning,
            PreDump = preDump,
            Parent = parent,
            LazyPages = lazyPages,
        }, cancellationToken: ct);
        var stats = new RoundStats
        {
            Round = round,
            Checkpoint = name,
            Final = !leaveRunning,
            CheckpointBytes = response.TotalBytes,
            CheckpointDuration = Duration.FromTimeSpan(watch.Elapsed),
        };
        migration.Rounds.Add(stats);
        journal.AppendStep(migration.Id, SagaSteps.Checkpoint(name), StepStatus.Done, $"{response.TotalBytes} bytes");
        tracker.Save(migration, $"checkpoint {name}: {response.TotalBytes >> 20} MiB in {watch.Elapsed.TotalMilliseconds:F0} ms{Steps(response.Timings)}", round: round);
        return stats;
    }

    /// <summary>Pushes a checkpoint peer to peer; a cut stream is opened again (backing off with jitter) and resumes from what the destination verified.</summary>
    private async Task TransferAsync(V1.Engine.EngineClient engine, CoordinatorPeer.CoordinatorPeerClient peer, Migration migration,
        RoundStats stats, string app, string targetEndpoint, string targetToken, CancellationToken ct)
    {
        journal.AppendStep(migration.Id, SagaSteps.Transfer(stats.Checkpoint), StepStatus.Begun);
        var watch = Stopwatch.StartNew();
        ulong sent = 0;
        var attempt = 0;
        var retry = Backoff.Retry(Defaults.TransferAttempts, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5),
            e => e is RpcException r && IsRetryable(r.StatusCode) && !ct.IsCancellationRequested,
            (e, failed) =>
            {
                var detail = ((RpcException)e).Status.Detail;
                LogTransferRetry(logger, migration.Id, stats.Checkpoint, failed, detail);
                tracker.Save(migration, $"transfer of {stats.Checkpoint} was cut ({detail}); resuming", round: stats.Round);
                return ValueTask.CompletedTask;
            });
        await retry.ExecuteAsync(async token =>
        {
            stats.TransferAttempts = (uint)++attempt;
            if (attempt > 1) targetToken = await OpenTransferAsync(peer, migration.Id, stats.Checkpoint, token);
            TransferProgress? last = null;
            try
            {
                using var call = engine.PushCheckpoint(new PushCheckpointRequest
                {
                    App = app,
                    Checkpoint = stats.Checkpoint,
                    TargetEndpoint = targetEndpoint,
                    Token = targetToken,
                    Options = migration.Options.Transfer ?? new TransferOptions(),
                }, cancellationToken: token);
                var lastPublished = 0L;
                await foreach (var progress in call.ResponseStream.ReadAllAsync(token))
                {
                    last = progress;
                    if (Stopwatch.GetElapsedTime(lastPublished).TotalMilliseconds >= 200 || progress.Completed)
                    {
                        tracker.Progress(migration, $"sending {stats.Checkpoint}", progress, stats.Round);
                        lastPublished = Stopwatch.GetTimestamp();
                    }
                }
                if (last is not { Completed: true })
                    throw new RpcException(new Status(StatusCode.Unavailable, "the transfer stream ended before the checkpoint was verified"));
                stats.BytesSent = sent + last.BytesSent;
                stats.BytesSkipped = last.BytesSkipped;
                stats.FileTreeBytes = last.FileTreeBytes;
                stats.FileTreeFiles = last.FileTreeFiles;
                stats.FileTreeScan = last.FileTreeScan;
            }
            catch (RpcException)
            {
                sent += last?.BytesSent ?? 0;
                throw;
            }
        }, ct);
        stats.TransferDuration = Duration.FromTimeSpan(watch.Elapsed);
        stats.BytesPerSecond = watch.Elapsed.TotalSeconds > 0 ? stats.BytesSent / watch.Elapsed.TotalSeconds : 0;
        journal.AppendStep(migration.Id, SagaSteps.Transfer(stats.Checkpoint), StepStatus.Done, $"{stats.BytesSent} bytes sent");
        tracker.Save(migration, $"sent {stats.Checkpoint}: {stats.BytesSent} bytes on the wire, {stats.BytesSkipped} already there; " +
            $"file trees: {stats.FileTreeFiles} changed files, {stats.FileTreeBytes} bytes, read in {(stats.FileTreeScan?.ToTimeSpan() ?? TimeSpan.Zero).TotalMilliseconds:F0} ms",
            round: stats.Round);
    }

    private async Task<string> OpenTransferAsync(CoordinatorPeer.CoordinatorPeerClient peer, string migrationId, string checkpoint, CancellationToken ct) =>
        (await peer.OpenTransferAsync(new PeerOpenTransferRequest { MigrationId = migrationId, Checkpoint = checkpoint },
            deadline: Deadline(Defaults.PeerCallTimeout), cancellationToken: ct)).Token;

    private async Task HeartbeatLoopAsync(CoordinatorPeer.CoordinatorPeerClient peer, Migration migration, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await peer.HeartbeatAsync(new HeartbeatRequest { MigrationId = migration.Id, SourceCluster = migration.SourceCluster },
                        deadline: Deadline(Defaults.HeartbeatInterval * 2), cancellationToken: ct);
                }
                catch (RpcException e) when (!ct.IsCancellationRequested)
                {
                    LogHeartbeatFailed(logger, migration.Id, e.Status.Detail);
                }
                await Task.Delay(Defaults.HeartbeatInterval, ct);
            }
        }
        catch (OperationCanceledException) { }
    }

    private static bool IsRetryable(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Aborted or StatusCode.DeadlineExceeded or StatusCode.Unknown or StatusCode.DataLoss;

    private static DateTime Deadline(TimeSpan timeout) => DateTime.UtcNow.Add(timeout);

    /// <summary>An Engine's steps, e.g. ": create 40 ms, stage 30 ms, restore 1800 ms"; empty when it reported none.</summary>
    private static string Steps(IReadOnlyCollection<StepTiming> timings) =>
        timings.Count == 0 ? "" : ": " + string.Join(", ", timings.Select(t => $"{t.Step} {t.Duration.ToTimeSpan().TotalMilliseconds:F0} ms"));

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: {Workload} now runs in cluster {Destination}")]
    private static partial void LogCompleted(ILogger logger, string migration, string workload, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: transfer of {Checkpoint} attempt {Attempt} was cut: {Reason}")]
    private static partial void LogTransferRetry(ILogger logger, string migration, string checkpoint, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "migration {Migration}: heartbeat failed: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string migration, string reason);
}
