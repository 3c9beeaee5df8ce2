namespace Federation.Adapters.Mesos.Runtime;

/// <summary>How runtime apps (and relay apps) are formed in this cluster (from <see cref="MarathonSettings"/>).</summary>
public sealed record RuntimeAppOptions
{
    public const int EnginePort = 50051;
    public const string StatePath = "/var/lib/federation";
    public const string ModulePath = "/opt/federation/runtime";
    /// <summary>Where .NET is in the runtime image when the modules come from the image.</summary>
    public const string ImageDotnetRoot = "/opt/federation/dotnet";

    public required string Cluster { get; init; }
    public required string RuntimeImage { get; init; }
    public string AppGroup { get; init; } = "/federation";
    /// <summary>Agent directory of the module binaries (hostPath volume); empty: in the image.</summary>
    public string ModuleHostPath { get; init; } = "";
    public string DotnetHostPath { get; init; } = "";
    public bool Privileged { get; init; } = true;
    public bool MemoryBackedState { get; init; } = true;
    public double Cpus { get; init; } = 1;
    public double MemoryMiB { get; init; } = 1024;
    public List<List<string>>? Constraints { get; init; }
    public List<string>? AcceptedResourceRoles { get; init; }
    public string HaproxyGroup { get; init; } = "external";
    /// <summary>The relay's control directory on the relay's agent (each workload's a subdirectory).</summary>
    public string RelayDirectory { get; init; } = "";
    /// <summary>The agent the relay apps must run on (the coordinator's); empty: anywhere.</summary>
    public string RelayHost { get; init; } = "";
    public TimeSpan MaxTrafficHold { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>"uid:gid" the relay runs as (the coordinator's user, who must open its control socket); null: the image's.</summary>
    public string? RelayUser { get; init; }

    public bool ModulesFromHost => ModuleHostPath.Length > 0;

    /// <summary>Where .NET is inside the runtime container.</summary>
    public string DotnetInContainer => ModulesFromHost ? DotnetHostPath : ImageDotnetRoot;
}
