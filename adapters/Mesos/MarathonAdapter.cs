using System.Runtime.CompilerServices;
using Federation.Adapters.Mesos.Api;
using Federation.Adapters.Mesos.Deployments;
using Federation.Adapters.Mesos.Runtime;
using Federation.Adapters.Mesos.Traffic;
using Federation.Common.Retry;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Mesos;

/// <summary>
/// The orchestrator adapter of a Marathon (Mesos) cluster. A workload is one runtime app (<see cref="RuntimeAppBuilder"/>)
/// labelled <c>federation.io/runtime=true</c>, <c>federation.io/workload</c> and <c>federation.io/namespace</c>; Marathon heals it
/// (a task that dies is replaced, empty, as any restart); its stable address is its relay app's service port behind
/// marathon-lb (<see cref="MarathonTrafficSwitch"/>). The Engine is reached at the task's <c>host:hostPort</c> of the Engine's
/// port mapping, by this coordinator and other clusters' runtimes alike; the app's endpoints likewise.
/// </summary>
public sealed partial class MarathonAdapter(MarathonApi api, DeploymentTracker tracker, RuntimeAppBuilder builder, MarathonTrafficSwitch traffic,
    MarathonAdapterState state, IRuntimeEngines engines, MarathonAdapterOptions options, ILogger<MarathonAdapter> logger) : IOrchestratorAdapter, IDisposable
{
    public const string Kind = "marathon";
    private const string RuntimeSelector = MarathonLabels.Runtime + "==true";
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly LocalDockerImages? images = options.ImageDockerSocket.Length > 0 ? new LocalDockerImages(options.ImageDockerSocket) : null;
    private Task<(DescribeResponse Runtime, string Node)>? probe;

    string IOrchestratorAdapter.Kind => Kind;

    /// <summary>Marathon replaces a runtime's task that died (as a new, empty runtime).</summary>
    public bool HealsWorkloads => true;

    private readonly Capacity.MesosCapacity capacity = new(api);

    /// <summary>The agents' resources and their executors' statistics, through the Mesos master Marathon names (<see cref="Capacity.MesosCapacity"/>).</summary>
    public async Task<CapacityReport> GetCapacityAsync(CancellationToken ct)
    {
        var count = (await RuntimeAppsAsync(ct)).Select(RuntimeAppView.IdOf).Distinct().Count();
        return await capacity.ReportAsync(count, options.MaxWorkloads, ct);
    }

    public async Task<PlacementOffer> OfferPlacementAsync(AppSpec spec, CancellationToken ct)
    {
        await api.InfoAsync(ct);
        var (runtime, node) = await RuntimeDescriptionAsync(ct);
        var count = (await RuntimeAppsAsync(ct)).Select(RuntimeAppView.IdOf).Distinct().Count();
        IReadOnlyCollection<string> available = images is not null ? await images.ListAsync(ct) : Common.AppSpecContainers.Images(spec);
        return new PlacementOffer(node, runtime, null, Math.Max(0, options.MaxWorkloads - count), available);
    }

    public async Task<IReadOnlyList<WorkloadInfo>> ListWorkloadsAsync(CancellationToken ct)
    {
        var list = new List<WorkloadInfo>();
        foreach (var group in (await RuntimeAppsAsync(ct)).GroupBy(RuntimeAppView.IdOf))
        {
            var app = Pick(group);
            list.Add(await InfoAsync(app, await api.TasksAsync(app.Id, ct), ct));
        }
        return list.OrderBy(w => w.Id.ToString(), StringComparer.Ordinal).ToList();
    }

    public async Task<WorkloadInfo?> GetWorkloadAsync(WorkloadId id, CancellationToken ct) =>
        await AppOfAsync(id, ct) is { } app ? await InfoAsync(app, await api.TasksAsync(app.Id, ct), ct) : null;

    public async Task<WorkloadInfo> DeployAsync(WorkloadId id, AppSpec spec, CancellationToken ct)
    {
        Federation.Common.SharedStorage.Refuse(id, spec, "Marathon");
        var appId = AppIds.Runtime(builder.Options.AppGroup, id, AppIds.DeploySuffix());
        string? deployment;
        await gate.WaitAsync(ct);
        try
        {
            if (await AppOfAsync(id, ct) is not null)
                throw new FederationException(FederationError.AlreadyExists, $"workload {id} already exists in cluster '{options.Cluster}'");
            await CheckCapacityAsync(ct);
            deployment = await api.CreateAppAsync(builder.Build(appId, id, spec, RuntimeAppRole.Serving, engines.Credential), force: false, ct);
        }
        finally
        {
            gate.Release();
        }
        try
        {
            var engine = await StartRuntimeAsync(appId, deployment, spec, ct);
            var (app, task) = await tracker.WaitHealthyAsync(appId, deployment, ct);
            var started = await InfoAsync(app, [task], ct);
            await engines.WaitForAppAsync(started, options.ReadyTimeout, ct);
            await traffic.PublishAsync(id, started.AppEndpoints, ct);
            LogDeployed(logger, id.ToString(), options.Cluster, appId, engine.ToString());
        }
        catch (Exception e)
        {
            // A deploy that fails leaves nothing behind: no app, no relay app, the name free again.
            LogStartFailed(logger, id.ToString(), options.Cluster, e.Message);
            await RemoveAppAsync(appId, force: true, CancellationToken.None);
            throw;
        }
        return (await GetWorkloadAsync(id, ct))!;
    }

    public async Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, CancellationToken ct)
    {
        var appId = AppIds.Runtime(builder.Options.AppGroup, id, AppIds.TargetSuffix(migrationId));
        string? deployment = null;
        await gate.WaitAsync(ct);
        try
        {
            if (await AppOfAsync(id, ct) is { } existing)
            {
                // A repeat finds its own target; anything else is the workload itself or another migration's.
                if (existing.Id != appId || RuntimeAppView.RoleOf(existing) != WorkloadRole.Target || RuntimeAppView.Label(existing, MarathonLabels.MigrationId) != migrationId)
                    throw FederationException.FailedPrecondition($"workload {id} already exists in cluster '{options.Cluster}'");
            }
            else
            {
                await CheckCapacityAsync(ct);
                deployment = await api.CreateAppAsync(builder.Build(appId, id, spec, new RuntimeAppRole(false, migrationId, home), engines.Credential), force: false, ct);
            }
        }
        finally
        {
            gate.Release();
        }
        try
        {
            await StartRuntimeAsync(appId, deployment, spec, ct);
            await tracker.WaitHealthyAsync(appId, deployment, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStartFailed(logger, id.ToString(), options.Cluster, e.Message);
            await RemoveAppAsync(appId, force: true, CancellationToken.None);
            throw;
        }
        LogTargetCreated(logger, id.ToString(), options.Cluster, migrationId, appId);
        return (await GetWorkloadAsync(id, ct))!;
    }

    /// <summary>
    /// The restored target becomes the workload. Its labels are NOT changed now: in Marathon a label change is a new app
    /// version whose tasks replace the old ones, which would restart the restored runtime empty. The promotion is kept in
    /// <see cref="MarathonAdapterState"/> (the workload reports Active from now on); the active definition is PUT once
    /// Marathon has replaced the restored task anyway (see <see cref="WatchAsync"/>).
    /// </summary>
    public async Task PromoteTargetAsync(WorkloadId id, CancellationToken ct)
    {
        if (await AppOfAsync(id, ct) is not { } app) throw FederationException.NotFound($"workload {id} is not in cluster '{options.Cluster}'");
        if (RuntimeAppView.RoleOf(app) != WorkloadRole.Target || state.PromotedTask(app.Id) is not null) return;
        var task = RuntimeAppView.Pick(await api.TasksAsync(app.Id, ct))
            ?? throw FederationException.Unavailable($"workload {id} in cluster '{options.Cluster}' has no task to promote");
        state.Promote(app.Id, task.Id);
        LogPromoted(logger, id.ToString(), options.Cluster, app.Id, task.Id);
    }

    /// <summary>Only called when <see cref="HealsWorkloads"/> is false; here it asks Marathon to restart the app's task now.</summary>
    public async Task<WorkloadInfo> RecreateAsync(WorkloadId id, CancellationToken ct)
    {
        if (await AppOfAsync(id, ct) is not { } app) throw FederationException.NotFound($"workload {id} is not in cluster '{options.Cluster}'");
        var deployment = await api.RestartAppAsync(app.Id, force: false, ct);
        var (healthy, task) = await tracker.WaitHealthyAsync(app.Id, deployment, ct);
        return await InfoAsync(healthy, [task], ct);
    }

    public async Task DeleteWorkloadAsync(WorkloadId id, CancellationToken ct)
    {
        var apps = (await RuntimeAppsAsync(ct)).Where(a => RuntimeAppView.IdOf(a) == id).ToList();
        if (apps.Count > 0)
        {
            var info = await InfoAsync(Pick(apps), await api.TasksAsync(Pick(apps).Id, ct), ct);
            // A stable address that still leads to this runtime has nothing left to forward to; one switched elsewhere keeps forwarding.
            await traffic.CloseIfOnlyLeadingToAsync(id, info.AppEndpoints.Values.ToHashSet(), ct);
        }
        foreach (var app in apps) await RemoveAppAsync(app.Id, force: false, ct);
        LogDeleted(logger, id.ToString(), options.Cluster);
    }

    /// <summary>
    /// Polls Marathon's runtime apps every <see cref="MarathonAdapterOptions.WatchInterval"/> and reports what changed; a
    /// failed poll backs off (up to 30 s) and is tried again. Each poll also gives a promoted runtime that Marathon replaced
    /// its active definition.
    /// </summary>
    public async IAsyncEnumerable<WorkloadEvent> WatchAsync([EnumeratorCancellation] CancellationToken ct)
    {
        Dictionary<string, WorkloadInfo>? known = null;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            IReadOnlyList<WorkloadInfo>? now = null;
            try
            {
                await ReconcilePromotedAsync(ct);
                now = await ListWorkloadsAsync(ct);
                failures = 0;
            }
            catch (FederationException e)
            {
                failures++;
                LogWatchFailed(logger, options.Cluster, e.Message);
            }
            if (now is not null)
            {
                var next = now.ToDictionary(w => w.Id.ToString(), StringComparer.Ordinal);
                if (known is not null)
                {
                    foreach (var (key, info) in next)
                    {
                        if (!known.TryGetValue(key, out var before)) yield return new WorkloadEvent(WorkloadEventType.Added, info);
                        else if (!SameState(before, info)) yield return new WorkloadEvent(WorkloadEventType.Modified, info);
                    }
                    foreach (var (key, info) in known)
                    {
                        if (!next.ContainsKey(key)) yield return new WorkloadEvent(WorkloadEventType.Deleted, info with { Running = false });
                    }
                }
                known = next;
            }
            var delay = failures == 0 ? options.WatchInterval : Backoff.Delay(failures, options.WatchInterval, TimeSpan.FromSeconds(30));
            try { await Task.Delay(delay, ct); }
            catch (OperationCanceledException) { yield break; }
        }
    }

    private static bool SameState(WorkloadInfo a, WorkloadInfo b) =>
        a.Role == b.Role && a.Running == b.Running && a.EngineEndpoint == b.EngineEndpoint && a.Node == b.Node
        && a.AppEndpoints.Count == b.AppEndpoints.Count && a.AppEndpoints.All(p => b.AppEndpoints.TryGetValue(p.Key, out var v) && v == p.Value);

    /// <summary>A promoted runtime whose restored task Marathon replaced (it died, its memory is gone) gets its active definition now.</summary>
    private async Task ReconcilePromotedAsync(CancellationToken ct)
    {
        foreach (var app in await RuntimeAppsAsync(ct))
        {
            if (RuntimeAppView.RoleOf(app) != WorkloadRole.Target || state.PromotedTask(app.Id) is not { } restored) continue;
            var tasks = await api.TasksAsync(app.Id, ct);
            if (tasks.Any(t => t.Id == restored) || RuntimeAppView.SpecOf(app) is not { } spec) continue;
            var active = builder.Build(app.Id, RuntimeAppView.IdOf(app), spec, RuntimeAppRole.Serving, engines.Credential);
            await api.UpdateAppAsync(active, force: true, ct);
            state.Forget(app.Id);
            LogActivated(logger, RuntimeAppView.IdOf(app).ToString(), options.Cluster, app.Id);
        }
    }

    /// <summary>Waits for the runtime's task and Engine, then places the app's image in it (before any app can start there).</summary>
    private async Task<Uri> StartRuntimeAsync(string appId, string? deployment, AppSpec spec, CancellationToken ct)
    {
        var (app, task) = await tracker.WaitForTaskAsync(appId, deployment,
            (a, t) => t.IsRunning && t.Ports?.Count >= (a.Container?.Docker?.PortMappings?.Count ?? 1), ct);
        var engine = EngineOf(app, task);
        await engines.WaitForEngineAsync(engine, appId, options.ReadyTimeout, async token =>
        {
            var tasks = await api.TasksAsync(appId, token);
            return tasks.Any(t => t.Id == task.Id && t.IsRunning) ? null
                : $"its task {task.Id} ended: {RuntimeAppView.Describe(await api.FindAppAsync(appId, token), RuntimeAppView.Pick(tasks))}";
        }, ct);
        await PlaceImageAsync(engine, spec, ct);
        return engine;
    }

    /// <summary>The app's image into the runtime: pulled by its dockerd from the registry, or streamed from the Docker engine beside the coordinator.</summary>
    private async Task PlaceImageAsync(Uri engine, AppSpec spec, CancellationToken ct)
    {
        // A workload of several containers needs each of their images.
        foreach (var image in Common.AppSpecContainers.Images(spec)) await PlaceImageAsync(engine, image, ct);
    }

    private async Task PlaceImageAsync(Uri engine, string image, CancellationToken ct)
    {
        if (images is not null)
        {
            await engines.PlaceImageAsync(engine, image, token => images.SaveAsync(image, token), ct);
            return;
        }
        if (options.RegistryPulls is not { } pulls) return;
        try
        {
            await engines.PullImageAsync(engine, pulls.RequestFor(image), null, ct);
        }
        catch (FederationException e)
        {
            throw new FederationException(e.Error, $"cluster '{options.Cluster}' could not pull image {Common.Names.Shorten(image)}: {e.Message}");
        }
    }

    /// <summary>Deletes a runtime app and waits until its tasks are gone. Safe to repeat.</summary>
    private async Task RemoveAppAsync(string appId, bool force, CancellationToken ct)
    {
        try
        {
            var deployment = await api.DeleteAppAsync(appId, force, ct);
            await tracker.WaitGoneAsync(appId, deployment, ct);
        }
        catch (FederationException e) when (force)
        {
            // A cleanup after a failure: its own failure is logged, the first one goes up.
            LogCleanupFailed(logger, appId, options.Cluster, e.Message);
        }
        state.Forget(appId);
    }

    private static Uri EngineOf(MarathonApp app, MarathonTask? task) =>
        task is not null && RuntimeAppView.HostPorts(app, task).TryGetValue(RuntimeAppOptions.EnginePort, out var port) && task.Host.Length > 0
            ? new Uri($"http://{task.Host}:{port}")
            : new Uri($"http://0.0.0.0:{RuntimeAppOptions.EnginePort}");

    private async Task<WorkloadInfo> InfoAsync(MarathonApp app, IReadOnlyList<MarathonTask> tasks, CancellationToken ct)
    {
        var id = RuntimeAppView.IdOf(app);
        var spec = RuntimeAppView.SpecOf(app);
        var task = RuntimeAppView.Pick(tasks);
        var hostPorts = RuntimeAppView.HostPorts(app, task);
        var appEndpoints = (spec is null ? [] : RuntimeAppBuilder.AppPorts(spec))
            .Where(hostPorts.ContainsKey).Distinct().ToDictionary(p => p, p => $"{task!.Host}:{hostPorts[p]}");
        var engine = EngineOf(app, task);
        var promoted = state.PromotedTask(app.Id) is not null;
        var role = promoted ? WorkloadRole.Active : RuntimeAppView.RoleOf(app);
        var stable = await traffic.GetStableAddressAsync(id, ct);
        return new WorkloadInfo(
            id,
            role,
            spec is null ? "" : Common.AppSpecContainers.MainImage(spec),
            task?.IsRunning == true,
            engine,
            engine,
            appEndpoints,
            stable ?? RuntimeAppView.Label(app, MarathonLabels.HomeAddress),
            role == WorkloadRole.Target ? RuntimeAppView.Label(app, MarathonLabels.MigrationId) : null,
            stable is null ? RuntimeAppView.Label(app, MarathonLabels.HomeCluster) : null,
            task?.Host ?? "",
            RuntimeAppView.LabelsOf(app, spec));
    }

    /// <summary>The app to speak of when a workload has several (a target beside its source): the active one first.</summary>
    private MarathonApp Pick(IEnumerable<MarathonApp> apps) =>
        apps.OrderBy(a => RuntimeAppView.RoleOf(a) == WorkloadRole.Active || state.PromotedTask(a.Id) is not null ? 0 : 1).ThenBy(a => a.Id, StringComparer.Ordinal).First();

    private async Task<MarathonApp?> AppOfAsync(WorkloadId id, CancellationToken ct)
    {
        var apps = (await api.ListAppsAsync($"{MarathonLabels.Workload}=={id.Name}", ct)).Where(a => RuntimeAppView.IsRuntime(a) && RuntimeAppView.IdOf(a) == id).ToList();
        return apps.Count == 0 ? null : Pick(apps);
    }

    private async Task<List<MarathonApp>> RuntimeAppsAsync(CancellationToken ct) =>
        (await api.ListAppsAsync(RuntimeSelector, ct))
            .Where(a => RuntimeAppView.IsRuntime(a) && a.Id.StartsWith($"{builder.Options.AppGroup}/runtimes/", StringComparison.Ordinal)).ToList();

    private async Task CheckCapacityAsync(CancellationToken ct)
    {
        var count = (await RuntimeAppsAsync(ct)).Select(RuntimeAppView.IdOf).Distinct().Count();
        if (count >= options.MaxWorkloads)
            throw new FederationException(FederationError.ResourceExhausted, $"cluster '{options.Cluster}' has no free workload slot ({options.MaxWorkloads} in use)");
    }

    /// <summary>
    /// What a runtime here describes itself as: a running runtime's Engine, or else a probe runtime (the runtime app without an
    /// app) started once, described and deleted. Cached for the coordinator's life; a failed probe is tried again next time.
    /// </summary>
    private Task<(DescribeResponse Runtime, string Node)> RuntimeDescriptionAsync(CancellationToken ct)
    {
        if (probe is null || probe.IsFaulted || probe.IsCanceled) probe = DescribeRuntimeAsync(CancellationToken.None);
        return probe.WaitAsync(ct);
    }

    private async Task<(DescribeResponse, string)> DescribeRuntimeAsync(CancellationToken ct)
    {
        foreach (var app in await RuntimeAppsAsync(ct))
        {
            if (RuntimeAppView.Pick(await api.TasksAsync(app.Id, ct)) is { IsRunning: true } running)
            {
                try { return (await engines.DescribeAsync(EngineOf(app, running), ct), running.Host); }
                catch (FederationException) { }
            }
        }
        var probeId = $"{builder.Options.AppGroup}/probe-{options.Cluster}";
        try
        {
            var deployment = await api.CreateAppAsync(builder.Build(probeId, new WorkloadId("federation-system", "probe"), null, RuntimeAppRole.Serving, engines.Credential), force: true, ct);
            var (app, task) = await tracker.WaitForTaskAsync(probeId, deployment, (_, t) => t.IsRunning && t.Ports?.Count >= 1, ct);
            var engine = EngineOf(app, task);
            await engines.WaitForEngineAsync(engine, probeId, options.ReadyTimeout, _ => Task.FromResult<string?>(null), ct);
            return (await engines.DescribeAsync(engine, ct), task.Host);
        }
        finally
        {
            await RemoveAppAsync(probeId, force: true, CancellationToken.None);
        }
    }

    public void Dispose() => images?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} deployed in cluster {Cluster} as app {App}, Engine at {Engine}")]
    private static partial void LogDeployed(ILogger logger, string workload, string cluster, string app, string engine);

    [LoggerMessage(Level = LogLevel.Warning, Message = "workload {Workload} in cluster {Cluster} did not start, removed what was created: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string workload, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "passive target of {Workload} created in cluster {Cluster} for migration {Migration} as app {App}")]
    private static partial void LogTargetCreated(ILogger logger, string workload, string cluster, string migration, string app);

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} in cluster {Cluster} promoted: app {App}, restored task {Task} (its definition is made active once Marathon replaces that task)")]
    private static partial void LogPromoted(ILogger logger, string workload, string cluster, string app, string task);

    [LoggerMessage(Level = LogLevel.Warning, Message = "workload {Workload} in cluster {Cluster}: Marathon replaced the promoted runtime of app {App}; its definition is now the active one (the app starts from its image)")]
    private static partial void LogActivated(ILogger logger, string workload, string cluster, string app);

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} removed from cluster {Cluster}")]
    private static partial void LogDeleted(ILogger logger, string workload, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "watching Marathon of cluster {Cluster} failed, trying again: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "removing app {App} from cluster {Cluster} failed: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string app, string cluster, string reason);
}
