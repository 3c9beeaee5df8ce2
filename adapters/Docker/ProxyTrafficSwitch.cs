using System.Collections.Concurrent;
using Federation.Adapters.Relay.Control;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Docker;

/// <summary>
/// The traffic switch of a plain Docker host, which has nothing of its own to route clients: each stable address
/// is a route of the cluster's relay (<see cref="RelayContainer"/>, a process outside the coordinator), one
/// listener on 127.0.0.1 per app port, that follows the workload wherever it moves (to another cluster and on, or
/// back here). The relay persists its routes before a listener moves and holds by itself within its bound, so the
/// addresses keep forwarding while this coordinator is down. After a restart this switch reads the routes back from
/// the relay; it starts the relay only when there is none, and removes it when its last route closes.
/// </summary>
public sealed partial class ProxyTrafficSwitch : ITrafficSwitch, IAsyncDisposable
{
    private static readonly TimeSpan HoldDrainLimit = TimeSpan.FromSeconds(2);
    private readonly RelayContainer container;
    private readonly RelayControl relay;
    private readonly DockerAdapterState state;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    // The relay's routes as this coordinator last saw them (it is their only writer); null until read from the relay.
    private ConcurrentDictionary<string, RelayRoute>? routes;

    public ProxyTrafficSwitch(RelayContainer container, DockerAdapterState state, DockerHostAdapterOptions options, ILoggerFactory loggers)
    {
        this.container = container;
        relay = new RelayControl(container.SocketPath, container.EnsureRunningAsync, options.Cluster);
        this.state = state;
        logger = loggers.CreateLogger<ProxyTrafficSwitch>();
    }

    /// <summary>Opens the workload's stable address: a relay route with one listener per app port (container port -> "host:port" backend). Safe to repeat.</summary>
    public async Task<string?> PublishAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var known = await LoadedAsync(ct);
            await container.EnsureRunningAsync(ct);
            var request = new OpenRelayRouteRequest { Name = id.ToString() };
            request.Ports.AddRange(backends.Select(b => new RelayPort { Port = (uint)b.Key, Backend = b.Value }));
            var route = await relay.CallAsync((c, o) => c.OpenRouteAsync(request, o), ct);
            known[route.Name] = route;
            return StableAddressOf(route);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The stable address this cluster holds for the workload, or null.</summary>
    public async Task<string?> StableAddressAsync(WorkloadId id, CancellationToken ct) =>
        (await RoutesAsync(ct)).TryGetValue(id.ToString(), out var route) ? StableAddressOf(route) : null;

    /// <summary>Closes the workload's stable address when every backend is one of <paramref name="backends"/> (the runtime being removed): nothing is left to forward to. The relay goes with its last route.</summary>
    public async Task<bool> CloseIfOnlyLeadingToAsync(WorkloadId id, IReadOnlySet<string> backends, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var known = await LoadedAsync(ct);
            if (!known.TryGetValue(id.ToString(), out var route) || !route.Ports.All(p => backends.Contains(p.Backend))) return false;
            var closed = await relay.CallAsync((c, o) => c.CloseRouteAsync(new RelayRouteRequest { Name = route.Name }, o), ct);
            known.TryRemove(route.Name, out _);
            if (closed.RoutesLeft == 0) await container.RemoveAsync(ct);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Points the workload's stable address at <paramref name="backends"/> when every backend it has now is one of
    /// <paramref name="replaced"/> (a runtime recreated at other endpoints); one switched elsewhere stays. Needs no hold.
    /// </summary>
    public async Task RepointIfLeadingToAsync(WorkloadId id, IReadOnlySet<string> replaced, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        if (!(await RoutesAsync(ct)).TryGetValue(id.ToString(), out var route) || !route.Ports.All(p => replaced.Contains(p.Backend))) return;
        await SwitchAsync(id, backends, ct);
    }

    public Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct) => StableAddressAsync(id, ct);

    public async Task HoldAsync(WorkloadId id, CancellationToken ct)
    {
        if (!(await RoutesAsync(ct)).ContainsKey(id.ToString())) return;
        // Requests already forwarded finish before the caller freezes the app; long-lived connections only delay it a little.
        var request = new HoldRelayRouteRequest { Name = id.ToString(), DrainLimit = Duration.FromTimeSpan(HoldDrainLimit) };
        var held = await relay.CallAsync((c, o) => c.HoldRouteAsync(request, o), ct);
        Remember(held.Route);
        foreach (var port in held.UndrainedPorts) LogDrainIncomplete(logger, id.ToString(), port, HoldDrainLimit);
    }

    public async Task SwitchAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        if (!(await RoutesAsync(ct)).TryGetValue(id.ToString(), out var route)) return;
        var request = new SwitchRelayRouteRequest { Name = id.ToString() };
        foreach (var (port, backend) in backends.Where(b => route.Ports.Any(p => p.Port == b.Key))) request.Backends[(uint)port] = backend;
        if (request.Backends.Count == 0)
        {
            await ReleaseAsync(id, ct);
            return;
        }
        // The relay persists the new backends before its listeners move: after a crash they forward there.
        var switched = await relay.CallAsync((c, o) => c.SwitchRouteAsync(request, o), ct);
        Remember(switched);
        LogSwitched(logger, id.ToString(), string.Join(", ", switched.Ports.Select(p => $"{p.ListenPort} -> {p.Backend}")));
    }

    public async Task ReleaseAsync(WorkloadId id, CancellationToken ct)
    {
        if (!(await RoutesAsync(ct)).ContainsKey(id.ToString())) return;
        Remember(await relay.CallAsync((c, o) => c.ReleaseRouteAsync(new RelayRouteRequest { Name = id.ToString() }, o), ct));
    }

    private void Remember(RelayRoute route)
    {
        if (routes is { } known) known[route.Name] = route;
    }

    private async Task<ConcurrentDictionary<string, RelayRoute>> RoutesAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref routes) is { } known) return known;
        await gate.WaitAsync(ct);
        try
        {
            return await LoadedAsync(ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The relay's routes, read from the relay the first time (under the gate): a relay that runs keeps its listeners,
    /// one that stopped is started again on its persisted routes, and none is started where there is nothing to serve.
    /// </summary>
    private async Task<ConcurrentDictionary<string, RelayRoute>> LoadedAsync(CancellationToken ct)
    {
        if (routes is { } known) return known;
        var adopted = state.Routes();
        var loaded = new ConcurrentDictionary<string, RelayRoute>(StringComparer.Ordinal);
        if (adopted.Count > 0 || await container.ExistsAsync(ct))
        {
            await container.EnsureRunningAsync(ct);
            foreach (var route in (await relay.CallAsync((c, o) => c.ListRoutesAsync(new ListRelayRoutesRequest(), o), ct)).Routes) loaded[route.Name] = route;
            await AdoptAsync(adopted, loaded, ct);
            if (loaded.IsEmpty) await container.RemoveAsync(ct);
            LogRead(logger, loaded.Count, string.Join("; ", loaded.Values.Select(r => $"{r.Name}: {string.Join(", ", r.Ports.Select(p => $"{p.ListenPort} -> {p.Backend}"))}")));
        }
        Volatile.Write(ref routes, loaded);
        return loaded;
    }

    /// <summary>Routes an earlier version kept in the adapter's state (its relays lived in the coordinator) move to the relay, on the same ports.</summary>
    private async Task AdoptAsync(IReadOnlyDictionary<string, DockerAdapterState.RouteEntry> adopted, ConcurrentDictionary<string, RelayRoute> loaded, CancellationToken ct)
    {
        foreach (var (name, entry) in adopted)
        {
            if (!loaded.ContainsKey(name))
            {
                var request = new OpenRelayRouteRequest { Name = name };
                request.Ports.AddRange(entry.Ports.Select(p => new RelayPort { Port = (uint)p.Key, ListenPort = (uint)p.Value.ListenPort, Backend = p.Value.Backend }));
                loaded[name] = await relay.CallAsync((c, o) => c.OpenRouteAsync(request, o), ct);
            }
            state.RemoveRoute(name);
        }
    }

    private static string? StableAddressOf(RelayRoute route) =>
        route.Ports.Count == 0 ? null : $"127.0.0.1:{route.Ports.OrderBy(p => p.Port).First().ListenPort}";

    /// <summary>Lets go of the control channel only: the relay and its routes outlive this coordinator.</summary>
    public ValueTask DisposeAsync()
    {
        relay.Dispose();
        gate.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "stable addresses read from the relay: {Count} ({Routes})")]
    private static partial void LogRead(ILogger logger, int count, string routes);

    [LoggerMessage(Level = LogLevel.Information, Message = "traffic of {Workload} switched: {Routes}")]
    private static partial void LogSwitched(ILogger logger, string workload, string routes);

    [LoggerMessage(Level = LogLevel.Information, Message = "traffic of {Workload} held at app port {Port}; connections still open after {Limit} keep their backend")]
    private static partial void LogDrainIncomplete(ILogger logger, string workload, uint port, TimeSpan limit);
}
