namespace Federation.Adapters.Docker;

/// <summary>A running runtime on a Docker host: its containers, its shared volume and where to reach it.</summary>
/// <param name="EngineEndpoint">The Engine as this host's coordinator reaches it: published on 127.0.0.1.</param>
/// <param name="PublishedPorts">Runtime port -> host port on 127.0.0.1, the Engine's among them.</param>
/// <param name="PeerEngineEndpoint">The Engine (and its Sync receiver) as other clusters' runtimes reach it: published on the gateway address of the runtimes' network.</param>
/// <param name="Gateway">The gateway address of the runtimes' network the ports are published on as well; null for a runtime that publishes nothing there (one an earlier version started).</param>
/// <param name="GatewayPorts">Runtime port -> host port on <paramref name="Gateway"/>, the Engine's among them.</param>
public sealed record RuntimeInstance(
    string Name,
    string RuntimeContainerId,
    string EngineContainerId,
    string VolumeName,
    string VolumeHostPath,
    Uri EngineEndpoint,
    IReadOnlyDictionary<int, int> PublishedPorts,
    Uri PeerEngineEndpoint,
    string? Gateway,
    IReadOnlyDictionary<int, int> GatewayPorts)
{
    /// <summary>The inner dockerd's socket as the host sees it.</summary>
    public string DockerSocketHostPath => Path.Combine(VolumeHostPath, "run", "docker.sock");

    /// <summary>The checkpoint volume as the host sees it.</summary>
    public string CheckpointHostPath => Path.Combine(VolumeHostPath, "checkpoints");

    /// <summary>App port -> "host:port" where other clusters (and this host's relay) reach the app: see <see cref="AppEndpointsOf"/>.</summary>
    public IReadOnlyDictionary<int, string> AppEndpoints => AppEndpointsOf(PublishedPorts, Gateway, GatewayPorts);

    /// <summary>
    /// App port -> "gateway:port", where containers of any network on this host (another cluster's relay pod or
    /// runtime) and processes on the host reach the app; "127.0.0.1:port" for a port not published on the gateway
    /// (a runtime an earlier version started, which only this host's processes reach). The Engine's port is no app port.
    /// </summary>
    /// <param name="loopback">Runtime port -> host port on 127.0.0.1.</param>
    /// <param name="gateway">The gateway address the ports are also published on, or null.</param>
    /// <param name="gatewayPorts">Runtime port -> host port on <paramref name="gateway"/>.</param>
    public static IReadOnlyDictionary<int, string> AppEndpointsOf(IReadOnlyDictionary<int, int> loopback, string? gateway, IReadOnlyDictionary<int, int>? gatewayPorts) =>
        loopback.Where(p => p.Key != RuntimeLaunchOptions.EnginePort).ToDictionary(p => p.Key,
            p => gateway is not null && gatewayPorts?.TryGetValue(p.Key, out var onGateway) == true ? $"{gateway}:{onGateway}" : LoopbackEndpoint(p.Value));

    /// <summary>
    /// Every "host:port" a runtime's app ports were ever reported at: on the gateway and on 127.0.0.1 (what an earlier
    /// version reported, and what routes it made may still lead to), to recognise a route that leads only to this runtime.
    /// </summary>
    public static IReadOnlySet<string> AllAppEndpointsOf(IReadOnlyDictionary<int, int> loopback, string? gateway, IReadOnlyDictionary<int, int>? gatewayPorts) =>
        loopback.Where(p => p.Key != RuntimeLaunchOptions.EnginePort).Select(p => LoopbackEndpoint(p.Value))
            .Concat(AppEndpointsOf(loopback, gateway, gatewayPorts).Values).ToHashSet(StringComparer.Ordinal);

    private static string LoopbackEndpoint(int hostPort) => $"127.0.0.1:{hostPort}";
}
