using System.Globalization;

namespace Federation.Adapters.Relay.Hosting;

/// <summary>
/// What a relay process serves from: its directory (the control socket and the persisted routes, reachable by
/// their owner only), how long a hold lasts at most and how many connections one listener keeps open. Read from
/// FEDERATION_RELAY_DIR, FEDERATION_RELAY_MAX_HOLD (seconds) and FEDERATION_RELAY_MAX_CONNECTIONS.
/// </summary>
public sealed class RelaySettings
{
    public const string SocketFileName = "control.sock";
    public const string RoutesFileName = "routes.json";

    /// <summary>Longest path of a unix socket (sun_path holds 108 bytes with its terminating zero).</summary>
    public const int MaxSocketPath = 107;

    public required string Directory { get; init; }

    /// <summary>Where the listeners listen: 127.0.0.1 on a Docker host; the pod's address (0.0.0.0) when the relay runs as a pod behind a Service. FEDERATION_RELAY_LISTEN_ADDRESS.</summary>
    public System.Net.IPAddress ListenAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>A hold ends by itself this long after it began.</summary>
    public TimeSpan MaxHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Open connections per listener beyond which a new one is reset.</summary>
    public int MaxConnections { get; init; } = HoldingRelay.DefaultMaxConnections;

    public string SocketPath => Path.Combine(Directory, SocketFileName);
    public string RoutesPath => Path.Combine(Directory, RoutesFileName);

    public static RelaySettings FromEnvironment()
    {
        var maxHold = Environment.GetEnvironmentVariable("FEDERATION_RELAY_MAX_HOLD");
        var maxConnections = Environment.GetEnvironmentVariable("FEDERATION_RELAY_MAX_CONNECTIONS");
        var listen = Environment.GetEnvironmentVariable("FEDERATION_RELAY_LISTEN_ADDRESS");
        return new RelaySettings
        {
            Directory = Environment.GetEnvironmentVariable("FEDERATION_RELAY_DIR") ?? "",
            ListenAddress = string.IsNullOrEmpty(listen) ? System.Net.IPAddress.Loopback
                : System.Net.IPAddress.TryParse(listen, out var address) ? address
                    : throw FederationException.InvalidArgument($"FEDERATION_RELAY_LISTEN_ADDRESS '{Common.Names.Escape(listen, 64)}' is not an IP address"),
            MaxHold = string.IsNullOrEmpty(maxHold) ? TimeSpan.FromSeconds(60)
                : double.TryParse(maxHold, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 86_400
                    ? TimeSpan.FromSeconds(seconds)
                    : throw FederationException.InvalidArgument($"FEDERATION_RELAY_MAX_HOLD '{Common.Names.Escape(maxHold, 32)}' is not a number of seconds above 0 and at most 86400"),
            MaxConnections = string.IsNullOrEmpty(maxConnections) ? HoldingRelay.DefaultMaxConnections
                : int.TryParse(maxConnections, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1
                    ? limit
                    : throw FederationException.InvalidArgument($"FEDERATION_RELAY_MAX_CONNECTIONS '{Common.Names.Escape(maxConnections, 32)}' is not a whole number of at least 1"),
        };
    }

    public void Validate()
    {
        if (!Path.IsPathRooted(Directory)) throw FederationException.InvalidArgument($"relay directory '{Common.Names.Escape(Directory, 200)}' (FEDERATION_RELAY_DIR) must be an absolute path");
        if (SocketPath.Length > MaxSocketPath)
            throw FederationException.InvalidArgument($"relay control socket {Common.Names.Escape(SocketPath, 200)} is longer than a unix socket path may be ({MaxSocketPath})");
        if (MaxHold <= TimeSpan.Zero) throw FederationException.InvalidArgument("relay hold bound must be above zero");
        if (MaxConnections < 1) throw FederationException.InvalidArgument("relay connection limit must be at least 1");
    }
}
