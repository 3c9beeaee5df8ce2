namespace Federation.Adapters.Docker;

/// <summary>One cluster on a Docker host: its name, how its runtimes are named and started, where its routes are kept.</summary>
public sealed class DockerHostAdapterOptions
{
    public required string Cluster { get; init; }

    /// <summary>Runtime containers are named "{prefix}-{cluster}-{namespace}-{name}", so clusters can share a dockerd.</summary>
    public string NamePrefix { get; init; } = "fed";

    public int MaxWorkloads { get; init; } = 16;

    /// <summary>Directory of the adapter's state file (roles, stable addresses and their backends).</summary>
    public required string StateDirectory { get; init; }

    public required RuntimeLaunchOptions Launch { get; init; }

    /// <summary>The dockerd runs on this machine (a unix socket): free memory is read from this machine's /proc/meminfo.</summary>
    public bool LocalEngine { get; init; }

    /// <summary>Longest time a held client connection waits before it is forwarded to whatever backend there is.</summary>
    public TimeSpan MaxTrafficHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Open client connections per stable address (and app port) beyond which a new one is reset.</summary>
    public int MaxRelayConnections { get; init; } = Relay.HoldingRelay.DefaultMaxConnections;

    /// <summary>How often <see cref="DockerHostAdapter.WatchAsync"/> looks at the runtimes.</summary>
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(2);
}
