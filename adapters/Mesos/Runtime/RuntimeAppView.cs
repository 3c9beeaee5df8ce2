using Federation.Adapters.Mesos.Api;
using Federation.V1;
using Google.Protobuf;

namespace Federation.Adapters.Mesos.Runtime;

/// <summary>A runtime app read back from Marathon: its workload, role, app spec, migration, home, and where its task runs.</summary>
public static class RuntimeAppView
{
    public static bool IsRuntime(MarathonApp app) => Label(app, MarathonLabels.Runtime) == "true" && Label(app, MarathonLabels.Workload) is { Length: > 0 };

    public static WorkloadId IdOf(MarathonApp app) =>
        new(Label(app, MarathonLabels.Namespace) is { Length: > 0 } ns ? ns : WorkloadId.DefaultNamespace, Label(app, MarathonLabels.Workload) ?? "");

    public static WorkloadRole RoleOf(MarathonApp app) => Label(app, MarathonLabels.Role) == MarathonLabels.TargetRole ? WorkloadRole.Target : WorkloadRole.Active;

    public static AppSpec? SpecOf(MarathonApp app)
    {
        if (Label(app, MarathonLabels.AppSpec) is not { Length: > 0 } json) return null;
        try
        {
            return JsonParser.Default.Parse<AppSpec>(json);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>The workload's labels: the app spec's, with the Marathon app's own labels over them (the app-spec label itself left out).</summary>
    public static IReadOnlyDictionary<string, string> LabelsOf(MarathonApp app, AppSpec? spec)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in spec?.Labels ?? (IEnumerable<KeyValuePair<string, string>>)[]) labels[key] = value;
        foreach (var (key, value) in app.Labels ?? []) if (key != MarathonLabels.AppSpec) labels[key] = value;
        return labels;
    }

    public static string? Label(MarathonApp app, string key) => app.Labels?.TryGetValue(key, out var value) == true ? value : null;

    /// <summary>The task to speak of: a running one first, then the newest staged.</summary>
    public static MarathonTask? Pick(IEnumerable<MarathonTask> tasks) => tasks
        .OrderBy(t => t.IsRunning ? 0 : 1)
        .ThenByDescending(t => t.StagedAt ?? "", StringComparer.Ordinal)
        .FirstOrDefault();

    /// <summary>Container port -> host port of the task (Marathon lists the task's ports in the order of the app's port mappings).</summary>
    public static Dictionary<int, int> HostPorts(MarathonApp app, MarathonTask? task)
    {
        var mappings = app.Container?.Docker?.PortMappings ?? [];
        var ports = task?.Ports ?? [];
        var result = new Dictionary<int, int>();
        for (var i = 0; i < mappings.Count && i < ports.Count; i++) result.TryAdd(mappings[i].ContainerPort, ports[i]);
        return result;
    }

    /// <summary>Whether the task passes every health check the app has (an app without checks: running is enough).</summary>
    public static bool IsHealthy(MarathonApp app, MarathonTask task) =>
        task.IsRunning && (app.HealthChecks is not { Count: > 0 } checks
            || (task.HealthCheckResults is { } results && results.Count >= checks.Count && results.All(r => r.Alive)));

    /// <summary>The task's state and what its health checks last said, for an error message.</summary>
    public static string Describe(MarathonApp? app, MarathonTask? task)
    {
        if (task is null)
        {
            return app?.LastTaskFailure is { } failure
                ? $"no task runs; the last failed with {failure.State}: {failure.Message}"
                : "no task has started yet";
        }
        var health = task.HealthCheckResults is { Count: > 0 } results
            ? string.Join(", ", results.Select((r, i) => r.Alive ? $"check {i} alive" : $"check {i} failing{(string.IsNullOrEmpty(r.LastFailureCause) ? "" : $" ({r.LastFailureCause})")}"))
            : app?.HealthChecks is { Count: > 0 } ? "no health check result yet" : "no health checks";
        return $"task {task.Id} on {task.Host} is {task.State ?? "in no known state"}, {health}";
    }
}
