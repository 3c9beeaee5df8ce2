using Federation.Common.Images;

namespace Federation.Adapters.Docker;

/// <summary>
/// The Docker-host adapter's settings, bound from the coordinator's <c>Coordinator:Adapter</c> section
/// (command line: <c>--runtime-image</c>, <c>--name-prefix</c>, <c>--state-dir</c>, <c>--max-workloads</c>,
/// <c>--docker-endpoint</c>, <c>--image-source</c>, and with the registry source the shared <see cref="RegistryPullSettings"/>: <c>--registry</c>, <c>--registry-ca</c>,
/// <c>--registry-credentials</c>, <c>--registry-pull-timeout</c>) and checked at start when the coordinator runs the "docker" kind.
/// </summary>
public sealed class DockerHostSettings : RegistryPullSettings
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

    /// <summary>
    /// Spare runtimes kept started and idle (dockerd and Engine up, no app) for migration targets to adopt (<see cref="WarmRuntimePool"/>);
    /// 0 turns the pool off. Bounded by <see cref="MaxWorkloads"/> and <see cref="MaxWarmRuntimes"/> (<c>--warm-runtimes</c>).
    /// </summary>
    public int WarmRuntimes { get; set; } = 1;

    public const int MaxWarmRuntimes = 8;

    /// <summary>
    /// Host directory of shared storage every runtime binds (<c>--shared-volumes</c>): an app's shared volume is its
    /// subdirectory of that name, re-attached where the app moves, never copied. Empty: this cluster has none.
    /// </summary>
    public string SharedVolumes { get; set; } = "";

    /// <summary>
    /// App ports (runtime ports, comma-separated) every spare publishes besides those learned from the apps this cluster runs:
    /// Docker publishes ports only when a container is created, so a spare serves only apps whose ports it has (<c>--warm-runtime-ports</c>).
    /// </summary>
    public string WarmRuntimePorts { get; set; } = "";

    /// <summary>The warm runtime ports parsed; null when one is not a port number.</summary>
    public IReadOnlyList<int>? ParsedWarmRuntimePorts()
    {
        var ports = new List<int>();
        foreach (var part in WarmRuntimePorts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535) return null;
            ports.Add(port);
        }
        return ports;
    }

    /// <summary>Start runtimes with <c>--privileged</c> (a real host) instead of the capability set that works where it fails.</summary>
    public bool Privileged { get; set; }

    /// <summary>
    /// Where runtimes get app images: "host" (default: the Docker host's image, streamed in through the Engine) or
    /// "registry" (the runtime's inner dockerd pulls the workload's image reference, which names its registry).
    /// </summary>
    public string ImageSource { get; set; } = "host";

    /// <summary>The image source parsed; null when it is neither "host" nor "registry".</summary>
    public ImageSource? ParsedImageSource() =>
        Enum.TryParse<ImageSource>(ImageSource, ignoreCase: true, out var source) && Enum.IsDefined(source) ? source : null;
}
