namespace Federation.Adapters.Docker;

/// <summary>
/// The Docker-host adapter's settings, bound from the coordinator's <c>Coordinator:Adapter</c> section
/// (command line: <c>--runtime-image</c>, <c>--name-prefix</c>, <c>--state-dir</c>, <c>--max-workloads</c>,
/// <c>--docker-endpoint</c>, <c>--image-source</c>, <c>--registry</c>, <c>--registry-ca</c>, <c>--registry-credentials</c>) and checked at start when the coordinator runs the "docker" kind.
/// </summary>
public sealed class DockerHostSettings
{
    public const string Section = "Coordinator:Adapter";

    /// <summary>The outer dockerd (the "node").</summary>
    public string DockerEndpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>The runtime image (FEDERATION_RUNTIME_IMAGE of scripts/setup.sh).</summary>
    public string RuntimeImage { get; set; } = "";

    /// <summary>Prefix of the runtime container names, so several clusters can share one dockerd.</summary>
    public string NamePrefix { get; set; } = "fed";

    /// <summary>Where the adapter keeps its routes and roles; defaults to the coordinator's journal directory.</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>How many workloads (active or target) this cluster accepts.</summary>
    public int MaxWorkloads { get; set; } = 16;

    /// <summary>Open client connections per stable address port beyond which a new one is reset (load is shed, the process keeps its file table).</summary>
    public int MaxRelayConnections { get; set; } = Relay.HoldingRelay.DefaultMaxConnections;

    /// <summary>How long a hold of a stable address lasts at most: the relay ends it by itself then (held connections go to the backend there is), even when no coordinator is left to.</summary>
    public TimeSpan MaxTrafficHold { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Start runtimes with <c>--privileged</c> (a real host) instead of the capability set that works where it fails.</summary>
    public bool Privileged { get; set; }

    /// <summary>
    /// Where runtimes get app images: "host" (default: the Docker host's image, streamed in through the Engine) or
    /// "registry" (the runtime's inner dockerd pulls the workload's image reference, which names its registry).
    /// </summary>
    public string ImageSource { get; set; } = "host";

    /// <summary>With the registry source: the registry (host[:port]) the CA and credentials below are for; empty: every image's registry.</summary>
    public string Registry { get; set; } = "";

    /// <summary>With the registry source: a PEM file of the CA the registry's certificate chains to; empty: the runtime's trusted roots.</summary>
    public string RegistryCaFile { get; set; } = "";

    /// <summary>With the registry source: a file holding "username:password" for the registry, readable by the coordinator only; empty: anonymous pulls.</summary>
    public string RegistryCredentialsFile { get; set; } = "";

    /// <summary>Longest time one image pull may take.</summary>
    public TimeSpan RegistryPullTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
