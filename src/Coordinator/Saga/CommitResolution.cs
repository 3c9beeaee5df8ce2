using Federation.Common;
using Federation.Common.Retry;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Saga;

/// <summary>
/// Settles a migration whose commit began (the decision is journaled and the source fenced) but whose outcome
/// this coordinator does not know: the answer was lost, refused, or the coordinator restarted. The destination
/// is asked again (Commit is idempotent). If it restored, the migration goes forward. If it refuses, the source
/// runs again only after the destination confirms an abort, which makes it refuse every later commit of the
/// migration. While the destination cannot be reached the source stays stopped: the app never runs twice.
/// </summary>
public sealed partial class CommitResolution(
    MigrationSaga saga,
    MigrationRollback rollback,
    PeerClients peers,
    MigrationJournal journal,
    MigrationTracker tracker,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<CommitResolution> logger)
{
    private const int FinishAttempts = 5;

    private MigrationDefaults Defaults => options.Value.Migration;

    public async Task ResolveAsync(Migration migration, CancellationToken ct)
    {
        var peer = peers.For(migration.DestinationCluster);
        var giveUpAt = clock.GetUtcNow() + Defaults.InDoubtTimeout;
        var inDoubt = journal.Steps(migration.Id).Any(s => s.Step == SagaSteps.CommitInDoubt);
        for (var attempt = 1; ; attempt++)
        {
            string unknown;
            try
            {
                var commit = await saga.CommitAsync(peer, migration, ct);
                journal.AppendStep(migration.Id, SagaSteps.Commit, StepStatus.Done, "confirmed by the destination");
                await FinishAsync(migration, commit, ct);
                return;
            }
            catch (RpcException e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                unknown = e.Status.Detail;
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                // Refused: it did not restore. It must never restore later either, so the source waits for a confirmed abort.
                var refusal = e.Status.Detail;
                if (await TryConfirmAbortAsync(peer, migration, refusal, ct))
                {
                    await rollback.RunUntilDoneAsync(migration, $"the destination could not restore: {refusal}", ct);
                    return;
                }
                unknown = $"refused ({refusal}) but the abort was not confirmed";
            }

            if (!inDoubt)
            {
                journal.AppendStep(migration.Id, SagaSteps.CommitInDoubt, StepStatus.Begun, unknown);
                tracker.Save(migration, $"commit in doubt: cluster '{migration.DestinationCluster}' did not answer ({unknown}); the source stays stopped until it does");
                inDoubt = true;
            }
            LogInDoubt(logger, migration.Id, migration.DestinationCluster, attempt, unknown);
            if (clock.GetUtcNow() >= giveUpAt)
            {
                FailInDoubt(migration, unknown);
                return;
            }
            var delay = TimeSpan.FromTicks(Defaults.RecoveryRetryDelay.Ticks * Math.Min(8, attempt));
            await Task.Delay(delay, clock, ct);
        }
    }

    /// <summary>True once the destination answered an abort (the target is gone and later commits are refused); false when it has committed or cannot be reached.</summary>
    private async Task<bool> TryConfirmAbortAsync(CoordinatorPeer.CoordinatorPeerClient peer, Migration migration, string reason, CancellationToken ct)
    {
        try
        {
            await peer.AbortAsync(new AbortRequest { MigrationId = migration.Id, Reason = ErrorMappingInterceptor.OneLine(reason) },
                deadline: DateTime.UtcNow.Add(Defaults.PeerCallTimeout), cancellationToken: ct);
            journal.AppendStep(migration.Id, SagaSteps.AbortConfirmed, StepStatus.Done, reason);
            return true;
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            LogAbortNotConfirmed(logger, migration.Id, migration.DestinationCluster, e.Status.Detail);
            return false;
        }
    }

    /// <summary>The app runs in the destination: the migration only goes forward. One that cannot finish fails without restoring the source.</summary>
    private async Task FinishAsync(Migration migration, CommitResponse commit, CancellationToken ct)
    {
        var first = Defaults.RecoveryRetryDelay;
        var retry = Backoff.Retry(FinishAttempts, first, first * 8, e => e is RpcException or FederationException { Error: FederationError.Unavailable },
            (e, attempt) =>
            {
                LogFinishRetry(logger, migration.Id, attempt, e is RpcException r ? r.Status.Detail : e.Message);
                return ValueTask.CompletedTask;
            });
        try
        {
            await retry.ExecuteAsync(async token => await saga.FinishAsync(migration, commit, null, token), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            migration.Error = ErrorMappingInterceptor.OneLine(
                $"restored in '{migration.DestinationCluster}', but finishing failed: {(e is RpcException r ? r.Status.Detail : e.Message)}");
            tracker.EnterPhase(migration, MigrationPhase.Failed, migration.Error);
        }
    }

    private void FailInDoubt(Migration migration, string unknown)
    {
        migration.Error = ErrorMappingInterceptor.OneLine(
            $"in doubt: cluster '{migration.DestinationCluster}' has not said whether it restored the app ({unknown}); " +
            $"the source stays stopped so that the app never runs twice");
        tracker.EnterPhase(migration, MigrationPhase.Failed, migration.Error);
    }

    /// <summary>No answer, or an answer that may change: the destination may still have restored, or still restore.</summary>
    private static bool IsTransient(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.Aborted or StatusCode.Unknown or StatusCode.Internal;

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: commit in doubt, cluster {Destination} attempt {Attempt}: {Reason}")]
    private static partial void LogInDoubt(ILogger logger, string migration, string destination, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: cluster {Destination} did not confirm the abort: {Reason}")]
    private static partial void LogAbortNotConfirmed(ILogger logger, string migration, string destination, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: finish attempt {Attempt} failed: {Reason}")]
    private static partial void LogFinishRetry(ILogger logger, string migration, int attempt, string reason);
}
