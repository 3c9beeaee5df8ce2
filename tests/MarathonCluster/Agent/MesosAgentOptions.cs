namespace Federation.Tests.Marathon.Agent;

/// <summary>One Mesos agent of the test cluster: its id, resources, attributes and role, and where its tasks run.</summary>
public sealed record MesosAgentOptions
{
    /// <summary>Prefix of everything it makes in Docker (containers are named <c>mesos-&lt;uuid&gt;</c> and labelled with it).</summary>
    public required string Prefix { get; init; }

    /// <summary>The Docker network BRIDGE and USER tasks join; its gateway is the agent's address.</summary>
    public required string Network { get; init; }

    /// <summary>The agent's slaveId (as in Fixtures/app_tasks.json: "agent0").</summary>
    public string AgentId { get; init; } = "agent0";

    public double Cpus { get; init; } = 8;

    public double Mem { get; init; } = 16384;

    /// <summary>The <c>ports</c> resource: host ports tasks get (hostPort 0) or may ask for.</summary>
    public int PortsBegin { get; init; } = 31000;

    public int PortsEnd { get; init; } = 32000;

    /// <summary>The role its resources are reserved for ("*": unreserved). acceptedResourceRoles are checked against it.</summary>
    public string Role { get; init; } = "*";

    /// <summary>Attributes constraints can name (besides "hostname").</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Run privileged tasks with Docker's --privileged; false (default): with the capability set that works on kernels whose
    /// bounding set lacks CAP_SYS_RESOURCE (shared/ENVIRONMENT.md), which is what "privileged" gets here.
    /// </summary>
    public bool NativePrivileged { get; init; }

    /// <summary>How often the agent looks at its containers when nothing changes.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest launch backoff the agent waits (Marathon's maxLaunchDelaySeconds, capped to keep tests bounded).</summary>
    public TimeSpan MaxLaunchDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Enforce the app's mem as the container's memory limit (as the Mesos containerizer does).</summary>
    public bool EnforceMemory { get; init; } = true;
}
