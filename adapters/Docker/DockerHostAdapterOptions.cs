using Federation.Common.Images;

namespace Federation.Adapters.Docker;

/// <summary>One cluster on a Docker host: its name, how its runtimes are named and started, where its routes are kept.</summary>
public sealed class DockerHostAdapterOptions
{
    public required string Cluster { get; init; }

    /// <summary>Runtime containers are named "{prefix}-{cluster}-{namespace}-{name}", so clusters can share a dockerd.</summary>
    public string NamePrefix { get; init; } = "fed";

    public int MaxWorkloads { get; init; } = 16;

    /// <summary>Directory of the adapter's state file (roles, specs, ports) and of the relay's directory (control socket, routes).</summary>
    public required string StateDirectory { get; init; }

    public required RuntimeLaunchOptions Launch { get; init; }

    /// <summary>Null: runtimes get app images from the Docker host (<c>docker save</c> through the Engine); else they pull them from their registry so.</summary>
    public RegistryPulls? RegistryPulls { get; init; }

    /// <summary>The dockerd runs on this machine (a unix socket): free memory is read from this machine's /proc/meminfo.</summary>
    public bool LocalEngine { get; init; }

    /// <summary>Longest time a hold lasts: the relay ends it by itself then, and held connections go to whatever backend there is.</summary>
    public TimeSpan MaxTrafficHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Open client connections per stable address (and app port) beyond which a new one is reset.</summary>
    public int MaxRelayConnections { get; init; } = Relay.HoldingRelay.DefaultMaxConnections;

    /// <summary>Spare runtimes kept for targets to adopt (<see cref="WarmRuntimePool"/>); 0: none.</summary>
    public int WarmRuntimes { get; init; }

    /// <summary>App ports every spare publishes besides the learned ones.</summary>
    public IReadOnlyList<int> WarmRuntimePorts { get; init; } = [];

    /// <summary>How often <see cref="DockerHostAdapter.WatchAsync"/> looks at the runtimes.</summary>
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(2);
}
