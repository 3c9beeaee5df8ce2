using System.Collections.Concurrent;
using Federation.Adapters;
using Federation.Common;
using Federation.Common.Retry;
using Federation.Coordinator.Journal;
using Grpc.Core;

namespace Federation.Coordinator.Workloads;

/// <summary>
/// Follows the adapter's watch. An active workload whose runtime stops while no migration holds it is
/// reported (log and <c>fedctl workloads</c>) and, where the orchestrator does not heal it by itself,
/// recreated through the adapter (fresh app, memory lost, same endpoints); one that stopped while a
/// migration held it is looked at again once the migration has ended. A watch that fails is opened
/// again, backing off with jitter.
/// </summary>
public sealed partial class WorkloadWatcher(
    IOrchestratorAdapter adapter,
    MigrationJournal journal,
    WorkloadConditions conditions,
    TimeProvider clock,
    ILogger<WorkloadWatcher> logger) : BackgroundService
{
    /// <summary>How often workloads seen stopped while a migration held them are looked at again.</summary>
    private static readonly TimeSpan DeferredCheckInterval = TimeSpan.FromSeconds(3);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly ConcurrentDictionary<WorkloadId, byte> deferred = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reopen = Backoff.Retry(int.MaxValue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), _ => !stoppingToken.IsCancellationRequested,
            (e, attempt) =>
            {
                LogWatchFailed(logger, attempt, e.Message);
                return ValueTask.CompletedTask;
            });
        try
        {
            await Task.WhenAll(
                reopen.ExecuteAsync(async ct =>
                {
                    await foreach (var change in adapter.WatchAsync(ct)) await HandleAsync(change, ct);
                }, stoppingToken).AsTask(),
                CheckDeferredAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>
    /// A workload whose runtime stopped while a migration held it is the saga's until the migration ends;
    /// if the migration left it stopped (a rollback with a dead source), it is handled then.
    /// </summary>
    private async Task CheckDeferredAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(DeferredCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(ct))
        {
            foreach (var id in deferred.Keys)
            {
                if (journal.ActiveMigrationOf(id) is not null) continue;
                deferred.TryRemove(id, out _);
                try
                {
                    if (await adapter.GetWorkloadAsync(id, ct) is { } workload)
                        await HandleAsync(new WorkloadEvent(WorkloadEventType.Modified, workload), ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    LogDeferredCheckFailed(logger, id.ToString(), e.Message);
                }
            }
        }
    }

    private async Task HandleAsync(WorkloadEvent change, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try { await OnChangeAsync(change, ct); }
        finally { gate.Release(); }
    }

    private async Task OnChangeAsync(WorkloadEvent change, CancellationToken ct)
    {
        var workload = change.Workload;
        if (change.Type == WorkloadEventType.Deleted)
        {
            conditions.Clear(workload.Id);
            deferred.TryRemove(workload.Id, out _);
            return;
        }
        if (workload.Role != WorkloadRole.Active || workload.Running) return;
        // A migration stops and removes runtimes on purpose; its saga owns the workload until it ends.
        if (journal.ActiveMigrationOf(workload.Id) is not null)
        {
            deferred.TryAdd(workload.Id, 0);
            return;
        }
        var seen = $"runtime stopped (seen {clock.GetUtcNow():HH:mm:ss} UTC)";
        conditions.Set(workload.Id, seen);
        LogRuntimeStopped(logger, workload.Id.ToString(), workload.Node);
        if (adapter.HealsWorkloads) return;
        try
        {
            // Looked at again just before acting: it may have been deleted or taken by a migration since the change was seen.
            if (await adapter.GetWorkloadAsync(workload.Id, ct) is not { Role: WorkloadRole.Active, Running: false } || journal.ActiveMigrationOf(workload.Id) is not null)
            {
                conditions.Clear(workload.Id);
                return;
            }
            await adapter.RecreateAsync(workload.Id, ct);
            conditions.Set(workload.Id, $"{seen}; recreated at {clock.GetUtcNow():HH:mm:ss} UTC, app memory lost");
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var reason = ErrorMappingInterceptor.OneLine(e is RpcException r ? r.Status.Detail : e.Message);
            conditions.Set(workload.Id, $"{seen}; could not recreate it: {reason}");
            LogRecreateFailed(logger, workload.Id.ToString(), reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "workload {Workload}: its runtime on node {Node} stopped outside a migration")]
    private static partial void LogRuntimeStopped(ILogger logger, string workload, string node);

    [LoggerMessage(Level = LogLevel.Error, Message = "workload {Workload}: its runtime could not be recreated: {Reason}")]
    private static partial void LogRecreateFailed(ILogger logger, string workload, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "workload {Workload}: looking at it again after its migration failed: {Reason}")]
    private static partial void LogDeferredCheckFailed(ILogger logger, string workload, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the adapter's watch failed (attempt {Attempt}): {Reason}; opening it again")]
    private static partial void LogWatchFailed(ILogger logger, int attempt, string reason);
}
