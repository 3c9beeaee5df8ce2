using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon.State;

/// <summary>Apps, tasks and deployments in the shapes Marathon's v2 API answers with (see Fixtures/).</summary>
public static class MarathonJson
{
    /// <summary>An app as <c>GET /v2/apps/{id}</c> shows it (with <paramref name="tasks"/> embedded unless null).</summary>
    public static JsonObject App(AppRecord app, IReadOnlyList<MarathonTask> appTasks, IEnumerable<Deployment> deployments, bool embedTasks)
    {
        var json = (JsonObject)app.Definition.DeepClone();
        json["version"] = app.Version;
        json["versionInfo"] = new JsonObject { ["lastScalingAt"] = app.ScalingVersion, ["lastConfigChangeAt"] = app.ConfigVersion };
        var checks = app.Spec.HealthChecks.Count;
        json["tasksStaged"] = appTasks.Count(t => t.State is "TASK_STAGING" or "TASK_STARTING");
        json["tasksRunning"] = appTasks.Count(t => t.Running);
        json["tasksHealthy"] = checks == 0 ? 0 : appTasks.Count(t => t.Healthy(checks));
        json["tasksUnhealthy"] = checks == 0 ? 0 : appTasks.Count(t => t.HealthResults.Any(h => !h.Alive));
        json["deployments"] = new JsonArray(deployments.Where(d => d.AppId == app.Id).Select(d => (JsonNode)new JsonObject { ["id"] = d.Id }).ToArray());
        if (embedTasks) json["tasks"] = new JsonArray(appTasks.Select(t => (JsonNode)Task(t)).ToArray());
        if (app.LastTaskFailure is { } failure) json["lastTaskFailure"] = failure.DeepClone();
        return json;
    }

    /// <summary>A task as <c>GET /v2/apps/{id}/tasks</c> lists it (Fixtures/app_tasks.json, plus the fields newer Marathons add).</summary>
    public static JsonObject Task(MarathonTask task)
    {
        var json = new JsonObject
        {
            ["appId"] = task.AppId,
            ["host"] = task.Host,
            ["id"] = task.Id,
            ["ports"] = Ints(task.Ports),
            ["servicePorts"] = Ints(task.ServicePorts),
            ["slaveId"] = task.SlaveId,
            ["agentId"] = task.SlaveId,
            ["stagedAt"] = task.StagedAt,
            ["startedAt"] = task.StartedAt,
            ["version"] = task.Version,
            ["state"] = task.State,
            ["ipAddresses"] = new JsonArray(task.IpAddresses.Select(ip => (JsonNode)new JsonObject { ["ipAddress"] = ip, ["protocol"] = "IPv4" }).ToArray()),
            ["region"] = "primary",
            ["zone"] = "a",
            ["role"] = task.Role,
            ["cpus"] = task.Cpus,
            ["mem"] = task.Mem,
            ["disk"] = task.Disk,
            ["gpus"] = 0,
            ["localVolumes"] = new JsonArray(),
        };
        if (task.HealthResults.Count > 0)
            json["healthCheckResults"] = new JsonArray(task.HealthResults.Select(h => (JsonNode)new JsonObject
            {
                ["alive"] = h.Alive,
                ["consecutiveFailures"] = h.ConsecutiveFailures,
                ["firstSuccess"] = h.FirstSuccess,
                ["lastFailure"] = h.LastFailure,
                ["lastSuccess"] = h.LastSuccess,
                ["lastFailureCause"] = h.LastFailureCause,
                ["taskId"] = h.TaskId,
            }).ToArray());
        return json;
    }

    /// <summary>An element of <c>GET /v2/deployments</c>.</summary>
    public static JsonObject Deployment(Deployment deployment) => new()
    {
        ["id"] = deployment.Id,
        ["version"] = deployment.Version,
        ["affectedApps"] = new JsonArray(JsonValue.Create(deployment.AppId)),
        ["affectedPods"] = new JsonArray(),
        ["steps"] = new JsonArray(deployment.Actions.Select(a => (JsonNode)new JsonObject
        {
            ["actions"] = new JsonArray(new JsonObject { ["action"] = a, ["app"] = deployment.AppId }),
        }).ToArray()),
        ["currentActions"] = new JsonArray(new JsonObject
        {
            ["action"] = deployment.Actions[^1],
            ["app"] = deployment.AppId,
            ["readinessCheckResults"] = new JsonArray(),
        }),
        ["currentStep"] = deployment.Actions.Count,
        ["totalSteps"] = deployment.Actions.Count,
    };

    /// <summary>What a change that started a deployment answers (Fixtures/deployments_result.json).</summary>
    public static JsonObject DeploymentResult(Deployment deployment) => new() { ["deploymentId"] = deployment.Id, ["version"] = deployment.Version };

    private static JsonArray Ints(IEnumerable<int> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
