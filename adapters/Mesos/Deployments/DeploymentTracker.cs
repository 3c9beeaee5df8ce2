using Federation.Adapters.Mesos.Api;
using Federation.Adapters.Mesos.Runtime;
using Federation.Common.Retry;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Mesos.Deployments;

/// <summary>
/// Follows what Marathon does after a change: polls <c>/v2/deployments</c> and the app's tasks (backing off, bounded by
/// <c>timeout</c>) until the deployment is gone and the tasks run and pass their health checks, or until the tasks are gone
/// after a delete. A deployment that does not get there in time is rolled back (<c>DELETE /v2/deployments/{id}</c>) and the
/// caller gets one line naming the app and the last task state and health message.
/// </summary>
public sealed partial class DeploymentTracker(MarathonApi api, TimeSpan timeout, ILogger<DeploymentTracker> logger)
{
    public TimeSpan Timeout => timeout;

    /// <summary>Waits until a task of the app runs and <paramref name="ready"/> accepts it (e.g. its Engine's check alive), deployment or not.</summary>
    /// <exception cref="FederationException">Unavailable after the deployment was rolled back, when none did in time.</exception>
    public Task<(MarathonApp App, MarathonTask Task)> WaitForTaskAsync(string appId, string? deploymentId, Func<MarathonApp, MarathonTask, bool> ready, CancellationToken ct) =>
        WaitAsync<(MarathonApp, MarathonTask)>(appId, deploymentId, (app, tasks, _) =>
            tasks.FirstOrDefault(t => ready(app, t)) is { } task ? (app, task) : null, ct);

    /// <summary>Waits until the deployment is gone and the app's instances run and pass every health check.</summary>
    public async Task<(MarathonApp App, MarathonTask Task)> WaitHealthyAsync(string appId, string? deploymentId, CancellationToken ct) =>
        await WaitAsync<(MarathonApp, MarathonTask)>(appId, deploymentId, (app, tasks, deploymentRunning) =>
        {
            if (deploymentRunning) return null;
            var healthy = tasks.Where(t => RuntimeAppView.IsHealthy(app, t)).ToList();
            return healthy.Count >= Math.Max(1, app.Instances ?? 1) ? (app, healthy[0]) : ((MarathonApp, MarathonTask)?)null;
        }, ct);

    /// <summary>Waits until the app's deployment (a delete's) is gone and the app and its tasks with it.</summary>
    public async Task WaitGoneAsync(string appId, string? deploymentId, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var last = "";
        try
        {
            await Backoff.Poll(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), IsPassing).ExecuteAsync(async token =>
            {
                var app = await api.FindAppAsync(appId, token);
                var tasks = await api.TasksAsync(appId, token);
                var running = deploymentId is not null && (await api.DeploymentsAsync(token)).Any(d => d.Id == deploymentId);
                if (app is null && tasks.Count == 0 && !running) return null;
                return last = $"{(app is null ? "the app is gone" : "the app is still there")}, {tasks.Count} task(s) left{(running ? $", deployment {deploymentId} running" : "")}";
            }, limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw FederationException.Unavailable($"app {appId} of cluster '{api.Cluster}' was not gone within {timeout.TotalSeconds:F0} s: {last}");
        }
    }

    private async Task<T> WaitAsync<T>(string appId, string? deploymentId,
        Func<MarathonApp, IReadOnlyList<MarathonTask>, bool, T?> done, CancellationToken ct) where T : struct
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var last = "no answer yet";
        T? result = null;
        try
        {
            await Backoff.Poll(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), IsPassing).ExecuteAsync(async token =>
            {
                var app = await api.FindAppAsync(appId, token)
                    ?? throw FederationException.Unavailable($"app {appId} of cluster '{api.Cluster}' disappeared while it was deployed");
                var tasks = await api.TasksAsync(appId, token);
                var running = (await api.DeploymentsAsync(token)).Any(d => d.Id == deploymentId || d.AffectedApps?.Contains(appId) == true);
                last = RuntimeAppView.Describe(app, RuntimeAppView.Pick(tasks));
                result = done(app, tasks, running);
                return result is null ? last : null;
            }, limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            await RollBackAsync(appId, deploymentId);
            throw FederationException.Unavailable(Common.ErrorMappingInterceptor.OneLine(
                $"app {appId} of cluster '{api.Cluster}' did not become healthy within {timeout.TotalSeconds:F0} s and its deployment was rolled back: {last}"));
        }
        return result!.Value;
    }

    /// <summary>Rolls the deployment back; a rollback that fails is logged (the caller removes the app anyway).</summary>
    private async Task RollBackAsync(string appId, string? deploymentId)
    {
        if (deploymentId is null) return;
        try
        {
            var rollback = await api.RollBackDeploymentAsync(deploymentId, CancellationToken.None);
            LogRolledBack(logger, appId, api.Cluster, deploymentId, rollback ?? "none (it had ended)");
        }
        catch (FederationException e)
        {
            LogRollbackFailed(logger, appId, api.Cluster, deploymentId, e.Message);
        }
    }

    private static bool IsPassing(Exception e) => e is FederationException { Error: FederationError.Unavailable } && !e.Message.Contains("disappeared", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App} of cluster {Cluster} did not become healthy: deployment {Deployment} rolled back by {Rollback}")]
    private static partial void LogRolledBack(ILogger logger, string app, string cluster, string deployment, string rollback);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App} of cluster {Cluster}: rolling back deployment {Deployment} failed: {Reason}")]
    private static partial void LogRollbackFailed(ILogger logger, string app, string cluster, string deployment, string reason);
}
