namespace Federation.Adapters.Mesos.Api;

/// <summary>
/// A Marathon app definition (<c>POST /v2/apps</c>, <c>PUT /v2/apps/{id}</c>; <c>GET /v2/apps/{id}</c> under "app"), the
/// members of the documented example (shared/fixtures/marathon/app.json) this adapter uses. Null members are not sent.
/// What Marathon adds when it answers (tasks, deployments, counts) is read back too.
/// </summary>
public sealed class MarathonApp
{
    public string Id { get; set; } = "";
    public int? Instances { get; set; }
    public string? Cmd { get; set; }
    public double? Cpus { get; set; }
    public double? Mem { get; set; }
    public double? Disk { get; set; }
    public List<string>? AcceptedResourceRoles { get; set; }
    public List<List<string>>? Constraints { get; set; }
    public MarathonContainer? Container { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public List<MarathonHealthCheck>? HealthChecks { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public List<MarathonPortDefinition>? PortDefinitions { get; set; }
    public bool? RequirePorts { get; set; }
    public MarathonUpgradeStrategy? UpgradeStrategy { get; set; }
    public double? BackoffSeconds { get; set; }
    public double? BackoffFactor { get; set; }
    public double? MaxLaunchDelaySeconds { get; set; }
    public string? User { get; set; }
    public string? Version { get; set; }

    // Read back only (Marathon's answer), never sent.
    public List<MarathonTask>? Tasks { get; set; }
    public List<MarathonDeploymentRef>? Deployments { get; set; }
    public int? TasksRunning { get; set; }
    public int? TasksHealthy { get; set; }
    public int? TasksUnhealthy { get; set; }
    public int? TasksStaged { get; set; }
    public MarathonTaskFailure? LastTaskFailure { get; set; }

    /// <summary>The definition as sent: what Marathon adds in its answers left out.</summary>
    public MarathonApp AsDefinition()
    {
        var copy = (MarathonApp)MemberwiseClone();
        copy.Tasks = null;
        copy.Deployments = null;
        copy.TasksRunning = copy.TasksHealthy = copy.TasksUnhealthy = copy.TasksStaged = null;
        copy.LastTaskFailure = null;
        copy.Version = null;
        return copy;
    }
}

/// <summary><c>container</c>: the Docker containerizer (<c>type: DOCKER</c>) with its <c>docker</c> part and volumes.</summary>
public sealed class MarathonContainer
{
    public string Type { get; set; } = "DOCKER";
    public MarathonDocker? Docker { get; set; }
    public List<MarathonVolume>? Volumes { get; set; }
}

/// <summary><c>container.docker</c>: image, network, privileged, parameters (docker run options) and port mappings.</summary>
public sealed class MarathonDocker
{
    public string Image { get; set; } = "";
    public string? Network { get; set; }
    public bool? Privileged { get; set; }
    public bool? ForcePullImage { get; set; }
    public List<MarathonParameter>? Parameters { get; set; }
    public List<MarathonPortMapping>? PortMappings { get; set; }
}

/// <summary>One <c>docker run</c> option: <c>--key=value</c>.</summary>
public sealed record MarathonParameter(string Key, string Value);

/// <summary>A BRIDGE port mapping: the container's port on a host port of the agent (0: Marathon picks), its service port (marathon-lb).</summary>
public sealed class MarathonPortMapping
{
    public int ContainerPort { get; set; }
    public int HostPort { get; set; }
    public string Protocol { get; set; } = "tcp";
    public int? ServicePort { get; set; }
    public string? Name { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

/// <summary>A HOST-network port: <c>port</c> is the service port (0: Marathon picks); the task gets a host port of its own.</summary>
public sealed class MarathonPortDefinition
{
    public int Port { get; set; }
    public string Protocol { get; set; } = "tcp";
    public string? Name { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

/// <summary>A hostPath volume of the Docker containerizer.</summary>
public sealed class MarathonVolume
{
    public string ContainerPath { get; set; } = "";
    public string? HostPath { get; set; }
    public string Mode { get; set; } = "RO";
}

/// <summary>A Marathon health check (here TCP on a port index).</summary>
public sealed class MarathonHealthCheck
{
    public string Protocol { get; set; } = "TCP";
    public int? PortIndex { get; set; }
    public string? Path { get; set; }
    public int? GracePeriodSeconds { get; set; }
    public int? IntervalSeconds { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int? MaxConsecutiveFailures { get; set; }
    public bool? IgnoreHttp1xx { get; set; }
}

/// <summary>How Marathon replaces tasks on a change: here never two runtimes of one app at once.</summary>
public sealed class MarathonUpgradeStrategy
{
    public double MinimumHealthCapacity { get; set; }
    public double MaximumOverCapacity { get; set; }
}
