using System.Text.Json.Nodes;
using Federation.Tests.Marathon.Http;
using Federation.Tests.Marathon.Model;
using Federation.Tests.Marathon.Validation;

namespace Federation.Tests.Marathon.State;

/// <summary>
/// Marathon's state: apps, their tasks and the deployments under way, behind one lock. The API changes apps (each change a
/// deployment that locks the app until it ends); an agent (the test cluster's MesosAgent) runs the tasks and writes them back
/// through <see cref="PutTask"/> and <see cref="RemoveTask"/>; after every change the deployments that reached their goal end.
/// </summary>
public sealed class MarathonState
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, AppRecord> apps = [];
    private readonly Dictionary<string, MarathonTask> tasks = [];
    private readonly Dictionary<string, Deployment> deployments = [];
    private readonly Dictionary<string, (DateTimeOffset Until, string Since)> delays = [];
    private readonly Dictionary<string, string> unplacedReasons = [];
    private readonly HashSet<int> servicePorts = [];
    private readonly VersionClock clock = new();

    /// <summary>Fires after every change (outside the lock).</summary>
    public event Action? Changed;

    public ChangeSignal Signal { get; } = new();

    // ---- the API's side ----

    /// <summary><c>POST /v2/apps</c>: the stored app and its deployment.</summary>
    public (AppRecord App, Deployment Deployment) Create(JsonObject body)
    {
        AppValidator.Check(body);
        (AppRecord, Deployment) result;
        lock (gate)
        {
            var id = AppIds.Normalize(body["id"]!.GetValue<string>(), out _)!;
            if (apps.TryGetValue(id, out var existing))
            {
                if (existing.Deleting) throw MarathonApiException.Locked(LocksOf(id));
                throw MarathonApiException.AppExists(id);
            }
            var version = clock.Next();
            var app = Record(AppNormalizer.Normalize(body, null, servicePorts), version, version, version);
            apps[id] = app;
            var deployment = Start(id, version, ["StartApplication", "ScaleApplication"], null);
            result = (app, deployment);
        }
        Notify();
        return result;
    }

    /// <summary><c>PUT /v2/apps/{id}</c>: the fields given replace the app's (a new app when there is none: then created is true).</summary>
    public (Deployment Deployment, bool Created) Update(string id, JsonObject body, bool force)
    {
        id = CheckedId(id);
        if (body["id"] is { } given && AppIds.Normalize(given.GetValueKind() == System.Text.Json.JsonValueKind.String ? given.GetValue<string>() : "", out _) is { } bodyId && bodyId != id)
            throw MarathonApiException.Invalid([("/id", $"The path {bodyId} of the app definition does not match the path {id} it was sent to")]);
        (Deployment, bool) result;
        lock (gate)
        {
            if (!apps.TryGetValue(id, out var old) || old.Deleting)
            {
                if (old is not null) throw MarathonApiException.Locked(LocksOf(id));
                var created = (JsonObject)body.DeepClone();
                created["id"] = id;
                AppValidator.Check(created);
                var v = clock.Next();
                apps[id] = Record(AppNormalizer.Normalize(created, null, servicePorts), v, v, v);
                result = (Start(id, v, ["StartApplication", "ScaleApplication"], null), true);
            }
            else
            {
                var merged = (JsonObject)old.Definition.DeepClone();
                foreach (var (name, value) in body) merged[name] = value?.DeepClone();
                merged["id"] = id;
                merged.Remove("version");
                AppValidator.Check(merged);
                TakeLock(id, force);
                ReleaseServicePorts(old.Definition);
                var normalized = AppNormalizer.Normalize(merged, old.Definition, servicePorts);
                var version = clock.Next();
                var scaleOnly = SameConfig(old.Definition, normalized);
                var app = Record(normalized, version, scaleOnly ? old.ConfigVersion : version, version) with { LastTaskFailure = old.LastTaskFailure };
                apps[id] = app;
                result = (Start(id, version, [scaleOnly ? "ScaleApplication" : "RestartApplication"], old), false);
            }
        }
        Notify();
        return result;
    }

    /// <summary><c>DELETE /v2/apps/{id}</c>: the app is gone from the API at once; its deployment ends when its tasks are.</summary>
    public Deployment Delete(string id, bool force)
    {
        id = CheckedId(id);
        Deployment deployment;
        lock (gate)
        {
            var old = Visible(id);
            TakeLock(id, force);
            apps[id] = old with { Deleting = true };
            ReleaseServicePorts(old.Definition);
            deployment = Start(id, clock.Next(), ["StopApplication"], old);
        }
        Notify();
        return deployment;
    }

    /// <summary><c>POST /v2/apps/{id}/restart</c>: every task replaced (a new config version, the same definition).</summary>
    public Deployment Restart(string id, bool force)
    {
        id = CheckedId(id);
        Deployment deployment;
        lock (gate)
        {
            var old = Visible(id);
            TakeLock(id, force);
            var version = clock.Next();
            apps[id] = old with { Version = version, ConfigVersion = version };
            deployment = Start(id, version, ["RestartApplication"], old);
        }
        Notify();
        return deployment;
    }

    /// <summary><c>DELETE /v2/apps/{id}/tasks/{taskId}</c>: the task killed; with scale the app's instances go down by one (a deployment).</summary>
    public (MarathonTask Task, Deployment? Deployment) KillTask(string appId, string taskId, bool scale, bool force)
    {
        appId = CheckedId(appId);
        (MarathonTask, Deployment?) result;
        lock (gate)
        {
            var app = Visible(appId);
            if (!tasks.TryGetValue(taskId, out var task) || task.AppId != appId)
                throw MarathonApiException.WithMessage(404, $"Task '{taskId}' does not exist");
            Deployment? deployment = null;
            if (scale) deployment = ScaleDown(app, 1, force);
            tasks[taskId] = task with { KillRequested = true };
            result = (task, deployment);
        }
        Notify();
        return result;
    }

    /// <summary><c>DELETE /v2/apps/{id}/tasks</c>: every task of the app (on <paramref name="host"/> if given) killed.</summary>
    public (IReadOnlyList<MarathonTask> Tasks, Deployment? Deployment) KillTasks(string appId, string? host, bool scale, bool force)
    {
        appId = CheckedId(appId);
        (IReadOnlyList<MarathonTask>, Deployment?) result;
        lock (gate)
        {
            var app = Visible(appId);
            var victims = tasks.Values.Where(t => t.AppId == appId && (host is null || t.Host == host)).ToList();
            var deployment = scale && victims.Count > 0 ? ScaleDown(app, victims.Count, force) : null;
            foreach (var t in victims) tasks[t.Id] = t with { KillRequested = true };
            result = (victims, deployment);
        }
        Notify();
        return result;
    }

    /// <summary>
    /// <c>DELETE /v2/deployments/{id}</c>: without force, a new deployment that restores the apps as they were before it
    /// (a new app is deleted); with force, the deployment just ends and the app stays as it is. Null for force.
    /// </summary>
    public Deployment? Cancel(string deploymentId, bool force)
    {
        Deployment? rollback = null;
        lock (gate)
        {
            if (!deployments.Remove(deploymentId, out var deployment))
                throw MarathonApiException.WithMessage(404, $"DeploymentPlan {deploymentId} does not exist");
            if (!force)
            {
                var version = clock.Next();
                var current = apps.GetValueOrDefault(deployment.AppId);
                if (deployment.Previous is not { } previous)
                {
                    if (current is not null)
                    {
                        apps[deployment.AppId] = current with { Deleting = true };
                        ReleaseServicePorts(current.Definition);
                    }
                    rollback = Start(deployment.AppId, version, ["StopApplication"], current);
                }
                else
                {
                    if (current is not null) ReleaseServicePorts(current.Definition);
                    foreach (var port in AppNormalizer.ServicePorts(previous.Definition)) servicePorts.Add(port);
                    // The definition and config version of before: tasks launched for it are current again, the others are replaced.
                    apps[deployment.AppId] = previous with { Version = version, Deleting = false, LastTaskFailure = current?.LastTaskFailure };
                    rollback = Start(deployment.AppId, version, [previous.ConfigVersion == current?.ConfigVersion ? "ScaleApplication" : "RestartApplication"], current);
                }
            }
        }
        Notify();
        return rollback;
    }

    /// <summary><c>DELETE /v2/queue/{id}/delay</c>: the launch backoff of the app ends.</summary>
    public void ResetDelay(string appId)
    {
        appId = CheckedId(appId);
        lock (gate)
        {
            Visible(appId);
            delays.Remove(appId);
        }
        Notify();
    }

    // ---- reading ----

    public IReadOnlyList<AppRecord> Apps(bool includeDeleting = false)
    {
        lock (gate) return apps.Values.Where(a => includeDeleting || !a.Deleting).OrderBy(a => a.Id, StringComparer.Ordinal).ToList();
    }

    public AppRecord App(string id)
    {
        id = CheckedId(id);
        lock (gate) return Visible(id);
    }

    public IReadOnlyList<MarathonTask> Tasks(string? appId = null)
    {
        lock (gate) return tasks.Values.Where(t => appId is null || t.AppId == appId).OrderBy(t => t.StagedAt, StringComparer.Ordinal).ThenBy(t => t.Id, StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<Deployment> Deployments()
    {
        lock (gate) return deployments.Values.OrderBy(d => d.Version, StringComparer.Ordinal).ToList();
    }

    /// <summary>An app as <c>GET /v2/apps/{id}</c> answers.</summary>
    public JsonObject AppJson(AppRecord app, bool embedTasks)
    {
        lock (gate) return MarathonJson.App(app, tasks.Values.Where(t => t.AppId == app.Id).OrderBy(t => t.StagedAt, StringComparer.Ordinal).ToList(), deployments.Values, embedTasks);
    }

    /// <summary>The <c>GET /v2/queue</c> entries: apps with fewer current tasks than instances.</summary>
    public JsonArray Queue()
    {
        lock (gate)
        {
            var queue = new JsonArray();
            foreach (var app in apps.Values.Where(a => !a.Deleting))
            {
                var launched = tasks.Values.Count(t => t.AppId == app.Id && t.ConfigVersion == app.ConfigVersion && !t.KillRequested);
                var missing = app.Spec.Instances - launched;
                if (missing <= 0) continue;
                var delay = delays.GetValueOrDefault(app.Id);
                var left = Math.Max(0, (delay.Until - DateTimeOffset.UtcNow).TotalSeconds);
                var reason = unplacedReasons.GetValueOrDefault(app.Id);
                queue.Add(new JsonObject
                {
                    ["count"] = missing,
                    ["delay"] = new JsonObject { ["timeLeftSeconds"] = (int)Math.Ceiling(left), ["overdue"] = left <= 0 },
                    ["since"] = delay.Since ?? app.Version,
                    ["app"] = MarathonJson.App(app, [], deployments.Values, embedTasks: false),
                    ["processedOffersSummary"] = new JsonObject
                    {
                        ["processedOffersCount"] = reason is null ? 0 : 1,
                        ["unusedOffersCount"] = reason is null ? 0 : 1,
                        ["rejectSummaryLastOffers"] = new JsonArray(reason is null ? [] : [new JsonObject { ["reason"] = reason, ["declined"] = 1, ["processed"] = 1 }]),
                    },
                    ["lastUnusedOffers"] = new JsonArray(),
                });
            }
            return queue;
        }
    }

    // ---- the agent's side ----

    /// <summary>Adds or replaces a task (the agent launched it or saw it change).</summary>
    public void PutTask(MarathonTask task)
    {
        lock (gate)
        {
            // A kill asked for meanwhile sticks.
            if (tasks.TryGetValue(task.Id, out var known) && known.KillRequested) task = task with { KillRequested = true };
            tasks[task.Id] = task;
            EndReachedDeployments();
        }
        Notify();
    }

    /// <summary>Forgets a task (killed, or failed: then <paramref name="failure"/> becomes the app's <c>lastTaskFailure</c>).</summary>
    public void RemoveTask(string taskId, string? failedState = null, string? failureMessage = null)
    {
        lock (gate)
        {
            if (!tasks.Remove(taskId, out var task)) return;
            if (failedState is not null && apps.TryGetValue(task.AppId, out var app))
                apps[task.AppId] = app with
                {
                    LastTaskFailure = new JsonObject
                    {
                        ["appId"] = task.AppId,
                        ["host"] = task.Host,
                        ["message"] = failureMessage ?? "",
                        ["state"] = failedState,
                        ["taskId"] = task.Id,
                        ["timestamp"] = VersionClock.Now(),
                        ["version"] = task.Version,
                        ["slaveId"] = task.SlaveId,
                    },
                };
            EndReachedDeployments();
        }
        Notify();
    }

    /// <summary>The agent's launch backoff for an app (shown in the queue).</summary>
    public void SetDelay(string appId, DateTimeOffset until)
    {
        lock (gate) delays[appId] = (until, delays.TryGetValue(appId, out var d) ? d.Since : VersionClock.Now());
    }

    public DateTimeOffset DelayOf(string appId)
    {
        lock (gate) return delays.TryGetValue(appId, out var d) ? d.Until : DateTimeOffset.MinValue;
    }

    /// <summary>Why the agent's offer did not fit the app (null: it did): the queue's reject summary.</summary>
    public void SetUnplaced(string appId, string? reason)
    {
        lock (gate)
        {
            if (reason is null) unplacedReasons.Remove(appId);
            else unplacedReasons[appId] = reason;
        }
    }

    // ---- inside the lock ----

    private AppRecord Visible(string id) =>
        apps.TryGetValue(id, out var app) && !app.Deleting ? app : throw MarathonApiException.AppNotFound(id);

    private static string CheckedId(string raw) =>
        AppIds.Normalize(raw, out var error) ?? throw MarathonApiException.Invalid([("/id", error!)]);

    private IEnumerable<string> LocksOf(string appId) => deployments.Values.Where(d => d.AppId == appId).Select(d => d.Id);

    /// <summary>Throws 409 when a deployment holds the app; with force, those deployments are cancelled (as Marathon's force does).</summary>
    private void TakeLock(string appId, bool force)
    {
        var holding = LocksOf(appId).ToList();
        if (holding.Count == 0) return;
        if (!force) throw MarathonApiException.Locked(holding);
        foreach (var id in holding) deployments.Remove(id);
    }

    private Deployment ScaleDown(AppRecord app, int by, bool force)
    {
        TakeLock(app.Id, force);
        var definition = (JsonObject)app.Definition.DeepClone();
        definition["instances"] = Math.Max(0, app.Spec.Instances - by);
        definition = (JsonObject)JsonNode.Parse(definition.ToJsonString())!;
        var version = clock.Next();
        apps[app.Id] = Record(definition, version, app.ConfigVersion, version) with { LastTaskFailure = app.LastTaskFailure };
        return Start(app.Id, version, ["ScaleApplication"], app);
    }

    private static AppRecord Record(JsonObject definition, string version, string configVersion, string scalingVersion) =>
        new(definition["id"]!.GetValue<string>(), definition, AppDefinition.Parse(definition), version, configVersion, scalingVersion);

    private Deployment Start(string appId, string version, IReadOnlyList<string> actions, AppRecord? previous)
    {
        var deployment = new Deployment(Guid.NewGuid().ToString(), version, appId, actions, previous);
        deployments[deployment.Id] = deployment;
        delays.Remove(appId);
        EndReachedDeployments();
        return deployment;
    }

    private void EndReachedDeployments()
    {
        foreach (var deployment in deployments.Values.ToList())
        {
            var app = apps.GetValueOrDefault(deployment.AppId);
            var appTasks = tasks.Values.Where(t => t.AppId == deployment.AppId).ToList();
            bool done;
            if (app is null || app.Deleting)
            {
                done = appTasks.Count == 0;
                if (done && app is not null && deployments.Values.Count(d => d.AppId == app.Id) == 1)
                {
                    apps.Remove(app.Id);
                    delays.Remove(app.Id);
                    unplacedReasons.Remove(app.Id);
                }
            }
            else
            {
                var checks = app.Spec.HealthChecks.Count;
                done = appTasks.Count == app.Spec.Instances
                    && appTasks.All(t => t.ConfigVersion == app.ConfigVersion && !t.KillRequested && t.Healthy(checks));
            }
            if (done) deployments.Remove(deployment.Id);
        }
    }

    private void ReleaseServicePorts(JsonObject definition)
    {
        foreach (var port in AppNormalizer.ServicePorts(definition)) servicePorts.Remove(port);
    }

    private static bool SameConfig(JsonObject old, JsonObject updated)
    {
        var a = (JsonObject)old.DeepClone();
        var b = (JsonObject)updated.DeepClone();
        a.Remove("instances");
        b.Remove("instances");
        return JsonNode.DeepEquals(a, b);
    }

    private void Notify()
    {
        Signal.Notify();
        Changed?.Invoke();
    }
}
