using System.Collections.Concurrent;
using Federation.Adapters.Relay;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Docker;

/// <summary>
/// The traffic switch of a plain Docker host, which has nothing of its own to route clients: each
/// stable address is a <see cref="HoldingRelay"/> in the coordinator's process on 127.0.0.1, one per
/// app port, that follows the workload wherever it moves (to another cluster and on, or back here).
/// Routes are persisted before a relay moves, so after a restart the relays come back on the same
/// ports pointing where they pointed.
/// </summary>
public sealed partial class ProxyTrafficSwitch : ITrafficSwitch, IAsyncDisposable
{
    private static readonly TimeSpan HoldDrainLimit = TimeSpan.FromSeconds(2);
    private readonly DockerAdapterState state;
    private readonly DockerHostAdapterOptions options;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<(string Workload, int Port), HoldingRelay> relays = new();

    public ProxyTrafficSwitch(DockerAdapterState state, DockerHostAdapterOptions options, ILoggerFactory loggers)
    {
        this.state = state;
        this.options = options;
        logger = loggers.CreateLogger<ProxyTrafficSwitch>();
        foreach (var (key, route) in state.Routes())
        {
            foreach (var (containerPort, port) in route.Ports)
                relays[(key, containerPort)] = new HoldingRelay(port.ListenPort, port.Backend, options.MaxTrafficHold, logger, options.MaxRelayConnections);
        }
    }

    /// <summary>Opens the workload's stable address: one relay per app port (container port -> "host:port" backend). Safe to repeat.</summary>
    public string? Publish(WorkloadId id, IReadOnlyDictionary<int, string> backends)
    {
        var route = new DockerAdapterState.RouteEntry([]);
        foreach (var (containerPort, endpoint) in backends)
        {
            var relay = relays.GetOrAdd((id.ToString(), containerPort), _ => new HoldingRelay(0, endpoint, options.MaxTrafficHold, logger, options.MaxRelayConnections));
            route.Ports[containerPort] = new DockerAdapterState.RoutePort(relay.Port, endpoint);
        }
        state.PutRoute(id, route);
        return StableAddressOf(route);
    }

    /// <summary>The stable address this cluster holds for the workload, or null.</summary>
    public string? StableAddress(WorkloadId id) => state.Route(id) is { } route ? StableAddressOf(route) : null;

    public async Task<bool> CloseIfOnlyLeadingToAsync(WorkloadId id, IReadOnlySet<string> backends, CancellationToken ct)
    {
        var route = state.Route(id);
        if (route is null || !route.Ports.Values.All(p => backends.Contains(p.Backend))) return false;
        foreach (var key in route.Ports.Keys)
        {
            if (relays.TryRemove((id.ToString(), key), out var relay)) await relay.DisposeAsync();
        }
        state.RemoveRoute(id);
        return true;
    }

    public Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct) => Task.FromResult(StableAddress(id));

    public async Task HoldAsync(WorkloadId id, CancellationToken ct)
    {
        var held = RelaysOf(id).ToList();
        foreach (var relay in held) relay.Hold();
        // Requests already forwarded finish before the caller freezes the app; long-lived connections only delay it a little.
        foreach (var relay in held)
        {
            if (!await relay.DrainAsync(HoldDrainLimit, ct)) LogDrainIncomplete(logger, id.ToString(), relay.Port, HoldDrainLimit);
        }
    }

    public Task SwitchAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        var route = state.Route(id);
        if (route is null) return Task.CompletedTask;
        var updated = new DockerAdapterState.RouteEntry(new Dictionary<int, DockerAdapterState.RoutePort>(route.Ports));
        foreach (var (containerPort, port) in route.Ports)
        {
            if (!backends.TryGetValue(containerPort, out var backend)) continue;
            updated.Ports[containerPort] = port with { Backend = backend };
        }
        // Persisted before the relays move: after a crash they come back pointing at the new backend.
        state.PutRoute(id, updated);
        foreach (var (containerPort, port) in updated.Ports)
        {
            if (relays.TryGetValue((id.ToString(), containerPort), out var relay)) relay.Switch(port.Backend);
        }
        LogSwitched(logger, id.ToString(), string.Join(", ", updated.Ports.Values.Select(p => $"{p.ListenPort} -> {p.Backend}")));
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(WorkloadId id, CancellationToken ct)
    {
        foreach (var relay in RelaysOf(id)) relay.Release();
        return Task.CompletedTask;
    }

    private IEnumerable<HoldingRelay> RelaysOf(WorkloadId id) =>
        relays.Where(p => p.Key.Workload == id.ToString()).Select(p => p.Value);

    private static string? StableAddressOf(DockerAdapterState.RouteEntry route) =>
        route.Ports.Count == 0 ? null : $"127.0.0.1:{route.Ports.OrderBy(p => p.Key).First().Value.ListenPort}";

    public async ValueTask DisposeAsync()
    {
        foreach (var relay in relays.Values) await relay.DisposeAsync();
        relays.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "traffic of {Workload} switched: {Routes}")]
    private static partial void LogSwitched(ILogger logger, string workload, string routes);

    [LoggerMessage(Level = LogLevel.Information, Message = "traffic of {Workload} held at port {Port}; connections still open after {Limit} keep their backend")]
    private static partial void LogDrainIncomplete(ILogger logger, string workload, int port, TimeSpan limit);
}
