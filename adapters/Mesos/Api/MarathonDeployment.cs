namespace Federation.Adapters.Mesos.Api;

/// <summary>What a change answers (shared/fixtures/marathon/deployments_result.json): the deployment it started.</summary>
public sealed class MarathonDeploymentResult
{
    public string DeploymentId { get; set; } = "";
    public string? Version { get; set; }
}

/// <summary>A deployment in progress (<c>GET /v2/deployments</c>).</summary>
public sealed class MarathonDeployment
{
    public string Id { get; set; } = "";
    public string? Version { get; set; }
    public List<string>? AffectedApps { get; set; }
    public int? CurrentStep { get; set; }
    public int? TotalSteps { get; set; }
}

/// <summary>A deployment named in an app (<c>app.deployments</c>) or in a 409 answer.</summary>
public sealed class MarathonDeploymentRef
{
    public string Id { get; set; } = "";
}

/// <summary><c>GET /v2/apps/{id}</c>.</summary>
public sealed class MarathonAppResponse
{
    public MarathonApp? App { get; set; }
}

/// <summary><c>GET /v2/apps</c>.</summary>
public sealed class MarathonAppList
{
    public List<MarathonApp> Apps { get; set; } = [];
}

/// <summary><c>GET /v2/info</c> (shared/fixtures/marathon/info.json), the part read.</summary>
public sealed class MarathonInfo
{
    public string? Name { get; set; }
    public string? Version { get; set; }
    public string? Leader { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("frameworkId")]
    public string? FrameworkId { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("marathon_config")]
    public MarathonConfig? MarathonConfig { get; set; }
}

/// <summary>The part of <c>/v2/info</c>'s <c>marathon_config</c> the adapter reads: the Mesos master (host:port, or a zk:// URL).</summary>
public sealed class MarathonConfig
{
    public string? Master { get; set; }
}

/// <summary>
/// Marathon's error answer: <c>message</c>, for a 422 the invalid members (<c>details[].path</c> and their <c>errors</c>),
/// for a 409 the deployments that hold the app.
/// </summary>
public sealed class MarathonErrorBody
{
    public string? Message { get; set; }
    public List<MarathonErrorDetail>? Details { get; set; }
    public List<MarathonDeploymentRef>? Deployments { get; set; }
}

public sealed class MarathonErrorDetail
{
    public string? Path { get; set; }
    public List<string>? Errors { get; set; }
}
