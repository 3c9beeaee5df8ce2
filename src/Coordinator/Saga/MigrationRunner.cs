using System.Collections.Concurrent;
using Federation.Common.Retry;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Saga;

/// <summary>
/// Runs sagas in the background, and at start finishes or rolls back every migration the journal
/// shows unfinished. Stopping the coordinator leaves running sagas where they are (as a crash
/// would); the next start picks them up from the journal.
/// </summary>
public sealed partial class MigrationRunner(
    MigrationSaga saga,
    MigrationRollback rollback,
    MigrationJournal journal,
    MigrationTracker tracker,
    PeerClients peers,
    IOptions<CoordinatorOptions> options,
    ILogger<MigrationRunner> logger) : BackgroundService
{
    private const int RecoveryAttempts = 5;
    private readonly ConcurrentDictionary<string, (MigrationControl Control, Task Task)> running = new();
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Completes when recovery of the journal's unfinished migrations has been started.</summary>
    public Task Recovered => recovered.Task;

    private readonly TaskCompletionSource recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Start(Migration migration) => Launch(migration, resume: false);

    public bool IsRunning(string migrationId) => running.ContainsKey(migrationId);

    /// <summary>Asks a running saga to roll back at its next step; false when it is not running here.</summary>
    public bool RequestCancel(string migrationId)
    {
        if (!running.TryGetValue(migrationId, out var entry)) return false;
        entry.Control.RequestCancel();
        return true;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stoppingToken.Register(stopping.Cancel);
        foreach (var migration in journal.List(unfinishedOnly: true))
        {
            LogRecovering(logger, migration.Id, migration.Phase);
            Launch(migration, resume: true);
        }
        recovered.TrySetResult();
        return Task.CompletedTask;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(running.Values.Select(r => r.Task)).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private void Launch(Migration migration, bool resume)
    {
        var control = new MigrationControl();
        if (migration.CancelRequested) control.RequestCancel();
        var task = Task.Run(() => ExecuteAsync(migration, control, resume));
        running[migration.Id] = (control, task);
    }

    private async Task ExecuteAsync(Migration migration, MigrationControl control, bool resume)
    {
        var ct = stopping.Token;
        try
        {
            if (resume) await RecoverAsync(migration, ct);
            else await saga.RunAsync(migration, control, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogSagaFailed(logger, migration.Id, e.Message);
            await AfterFailureAsync(migration, e, ct);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            LogLeftForRecovery(logger, migration.Id, migration.Phase);
        }
        finally
        {
            running.TryRemove(migration.Id, out _);
        }
    }

    private Task RecoverAsync(Migration migration, CancellationToken ct)
    {
        var begun = journal.Steps(migration.Id).Where(s => s.Status == StepStatus.Begun).Select(s => s.Step).ToHashSet();
        if (migration.Phase != MigrationPhase.RollingBack && begun.Contains(SagaSteps.Commit)) return ResolveCommitAsync(migration, ct);
        return RollBackAsync(migration, $"the coordinator restarted during {MigrationPhases.Display(migration.Phase)}", ct);
    }

    private Task AfterFailureAsync(Migration migration, Exception e, CancellationToken ct)
    {
        var reason = e switch
        {
            RpcException r => r.Status.Detail,
            MigrationCancelledException => "cancelled by the operator",
            _ => e.Message,
        };
        var steps = journal.Steps(migration.Id);
        var commitBegun = steps.Any(s => s is { Step: SagaSteps.Commit, Status: StepStatus.Begun });
        var commitDone = steps.Any(s => s is { Step: SagaSteps.Commit, Status: StepStatus.Done });
        // A commit that the destination answered with a refusal did not happen: roll back. One whose
        // answer was lost may have happened: ask again (Commit is idempotent) before deciding.
        var commitRefused = e is RpcException { StatusCode: not (StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled) } && !commitDone;
        if (commitBegun && !commitRefused) return ResolveCommitAsync(migration, ct);
        return RollBackAsync(migration, commitBegun ? $"the destination could not restore: {reason}" : reason, ct);
    }

    /// <summary>
    /// A commit that began: asks the destination again (Commit is idempotent). Refused, it did not happen:
    /// roll back. Once it answers, the app runs there and the migration only goes forward: finishing is
    /// retried, and one that cannot finish fails without restoring the source (the app must not run twice).
    /// </summary>
    private async Task ResolveCommitAsync(Migration migration, CancellationToken ct)
    {
        var peer = peers.For(migration.DestinationCluster);
        CommitResponse commit;
        try
        {
            commit = await RecoveryRetry(migration, "commit", e => e is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded })
                .ExecuteAsync(async token => await saga.CommitAsync(peer, migration, token), ct);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            await RollBackAsync(migration, $"the destination could not restore: {e.Status.Detail}", ct);
            return;
        }
        try
        {
            await RecoveryRetry(migration, "finish", e => e is RpcException or FederationException { Error: FederationError.Unavailable })
                .ExecuteAsync(async token => await saga.FinishAsync(migration, commit, null, token), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            migration.Error = Common.ErrorMappingInterceptor.OneLine(
                $"restored in '{migration.DestinationCluster}', but finishing failed: {(e is RpcException r ? r.Status.Detail : e.Message)}");
            tracker.EnterPhase(migration, MigrationPhase.Failed, migration.Error);
        }
    }

    private async Task RollBackAsync(Migration migration, string reason, CancellationToken ct)
    {
        var retry = RecoveryRetry(migration, "rollback", _ => true);
        try
        {
            await retry.ExecuteAsync(async token => await rollback.RunAsync(migration, reason, token), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            migration.Error = Common.ErrorMappingInterceptor.OneLine($"{migration.Error}; rollback failed: {(e is RpcException r ? r.Status.Detail : e.Message)}");
            tracker.EnterPhase(migration, MigrationPhase.Failed, migration.Error);
        }
    }

    /// <summary>Up to <see cref="RecoveryAttempts"/> attempts, the delays growing from the configured one with jitter.</summary>
    private Polly.ResiliencePipeline RecoveryRetry(Migration migration, string what, Func<Exception, bool> retryable)
    {
        var first = options.Value.Migration.RecoveryRetryDelay;
        return Backoff.Retry(RecoveryAttempts, first, first * 8, retryable, (e, attempt) =>
        {
            LogRetry(logger, migration.Id, what, attempt, e is RpcException r ? r.Status.Detail : e.Message);
            return ValueTask.CompletedTask;
        });
    }

    public override void Dispose()
    {
        stopping.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration} was unfinished ({Phase}): finishing or rolling it back")]
    private static partial void LogRecovering(ILogger logger, string migration, MigrationPhase phase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration} failed: {Reason}")]
    private static partial void LogSagaFailed(ILogger logger, string migration, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration} stopped with the coordinator during {Phase}; the next start resumes it")]
    private static partial void LogLeftForRecovery(ILogger logger, string migration, MigrationPhase phase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: {What} attempt {Attempt} failed: {Reason}")]
    private static partial void LogRetry(ILogger logger, string migration, string what, int attempt, string reason);
}
