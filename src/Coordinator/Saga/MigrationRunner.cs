using System.Collections.Concurrent;
using Federation.Coordinator.Journal;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Saga;

/// <summary>
/// Runs sagas in the background, and at start finishes or rolls back every migration the journal
/// shows unfinished. Stopping the coordinator leaves running sagas where they are (as a crash
/// would); the next start picks them up from the journal.
/// </summary>
public sealed partial class MigrationRunner(
    MigrationSaga saga,
    MigrationRollback rollback,
    CommitResolution commits,
    MigrationJournal journal,
    ILogger<MigrationRunner> logger) : BackgroundService
{
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
        var steps = journal.Steps(migration.Id);
        var commitBegun = steps.Any(s => s is { Step: SagaSteps.Commit, Status: StepStatus.Begun });
        if (commitBegun && !steps.Any(s => s.Step == SagaSteps.AbortConfirmed)) return commits.ResolveAsync(migration, ct);
        return rollback.RunUntilDoneAsync(migration, $"the coordinator restarted during {MigrationPhases.Display(migration.Phase)}", ct);
    }

    private Task AfterFailureAsync(Migration migration, Exception e, CancellationToken ct)
    {
        var reason = e switch
        {
            RpcException r => r.Status.Detail,
            MigrationCancelledException => "cancelled by the operator",
            _ => e.Message,
        };
        // From the decision on, only the destination can say whether the app runs there: ask it (never guess).
        var commitBegun = journal.Steps(migration.Id).Any(s => s is { Step: SagaSteps.Commit, Status: StepStatus.Begun });
        return commitBegun ? commits.ResolveAsync(migration, ct) : rollback.RunUntilDoneAsync(migration, reason, ct);
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
}
