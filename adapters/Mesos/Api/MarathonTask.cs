namespace Federation.Adapters.Mesos.Api;

/// <summary>One task of an app (<c>GET /v2/apps/{id}/tasks</c>, shared/fixtures/marathon/app_tasks.json): where it runs and its health.</summary>
public sealed class MarathonTask
{
    public string Id { get; set; } = "";
    public string AppId { get; set; } = "";
    public string Host { get; set; } = "";
    /// <summary>The host ports, in the order of the app's port mappings (or port definitions).</summary>
    public List<int>? Ports { get; set; }
    public string? SlaveId { get; set; }
    public string? State { get; set; }
    public string? StagedAt { get; set; }
    public string? StartedAt { get; set; }
    public string? Version { get; set; }
    /// <summary>One result per health check, in the app's order.</summary>
    public List<MarathonHealthCheckResult>? HealthCheckResults { get; set; }

    public bool IsRunning => State == "TASK_RUNNING";
}

public sealed class MarathonHealthCheckResult
{
    public bool Alive { get; set; }
    public int ConsecutiveFailures { get; set; }
    public string? LastFailureCause { get; set; }
    public string? TaskId { get; set; }
}

/// <summary><c>GET /v2/apps/{id}/tasks</c>.</summary>
public sealed class MarathonTaskList
{
    public List<MarathonTask> Tasks { get; set; } = [];
}

/// <summary>An app's last failed task, as <c>GET /v2/apps/{id}</c> reports it.</summary>
public sealed class MarathonTaskFailure
{
    public string? State { get; set; }
    public string? Message { get; set; }
    public string? Host { get; set; }
    public string? TaskId { get; set; }
}
