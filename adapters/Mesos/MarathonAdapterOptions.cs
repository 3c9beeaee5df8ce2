using Federation.Common.Images;

namespace Federation.Adapters.Mesos;

/// <summary>The adapter's settings as it uses them (from <see cref="MarathonSettings"/> and the cluster).</summary>
public sealed record MarathonAdapterOptions
{
    public required string Cluster { get; init; }
    public int MaxWorkloads { get; init; } = 16;
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How long the Engine and the app may take once the task runs.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(180);
    /// <summary>The registry's CA and credentials when runtimes pull images; null: images come from a Docker socket, or the runtime has them.</summary>
    public RegistryPulls? RegistryPulls { get; init; }
    /// <summary>With the docker-socket source: its path.</summary>
    public string ImageDockerSocket { get; init; } = "";
}
