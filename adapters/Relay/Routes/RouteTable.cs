using System.Net.Sockets;
using Federation.Adapters.Relay.Hosting;
using Federation.Common;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Relay.Routes;

/// <summary>
/// The routes a relay process keeps: each is a name (a workload) with one <see cref="HoldingRelay"/> per app
/// port. Every change is persisted (<see cref="StoredRoutes"/>) before the listeners move, and at start the
/// stored routes listen again on their ports, so a relay that restarts forwards where it forwarded. Holds live
/// in memory only, each within the relay's hold bound.
/// </summary>
public sealed partial class RouteTable : IAsyncDisposable
{
    private readonly RelaySettings settings;
    private readonly StoredRoutes stored;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Dictionary<int, StoredRoutes.Port>> routes;
    private readonly Dictionary<(string Route, int Port), HoldingRelay> listeners = [];

    public RouteTable(RelaySettings settings, ILogger<RouteTable> logger)
    {
        this.settings = settings;
        this.logger = logger;
        stored = new StoredRoutes(settings.RoutesPath);
        routes = stored.Load();
        foreach (var (name, ports) in routes)
        {
            foreach (var (port, entry) in ports)
            {
                try
                {
                    listeners[(name, port)] = Listen(entry.ListenPort, entry.Backend);
                }
                catch (SocketException e)
                {
                    // The route stays (listening = false in answers): closing it is its controller's decision.
                    LogCannotListenAgain(logger, name, port, entry.ListenPort, e.Message);
                }
            }
        }
        LogLoaded(logger, routes.Count, listeners.Count, settings.MaxHold, settings.MaxConnections);
    }

    public IReadOnlyList<RelayRoute> List()
    {
        lock (gate) return routes.Keys.Order(StringComparer.Ordinal).Select(Describe).ToList();
    }

    /// <summary>Opens the route's ports that it does not have yet; the ones it has keep their listener and backend.</summary>
    public async Task<RelayRoute> OpenAsync(string name, IReadOnlyCollection<RelayPort> ports)
    {
        RouteChecks.Name(name);
        RouteChecks.Ports(ports);
        var opened = new List<(int Port, HoldingRelay Relay)>();
        try
        {
            lock (gate)
            {
                var route = routes.TryGetValue(name, out var existing) ? existing : [];
                foreach (var port in ports.Where(p => !route.ContainsKey((int)p.Port)))
                {
                    HoldingRelay relay;
                    try
                    {
                        relay = Listen((int)port.ListenPort, port.Backend);
                    }
                    catch (SocketException e)
                    {
                        throw FederationException.Unavailable($"the relay cannot listen on {settings.ListenAddress}:{port.ListenPort} for route {Names.Escape(name, 64)}: {e.Message}");
                    }
                    opened.Add(((int)port.Port, relay));
                }
                var updated = new Dictionary<int, StoredRoutes.Port>(route);
                foreach (var (port, relay) in opened) updated[port] = new StoredRoutes.Port(relay.Port, relay.Backend);
                var all = new Dictionary<string, Dictionary<int, StoredRoutes.Port>>(routes, StringComparer.Ordinal) { [name] = updated };
                // On disk before anyone is told of the new ports.
                stored.Save(all);
                routes[name] = updated;
                foreach (var (port, relay) in opened) listeners[(name, port)] = relay;
                if (opened.Count > 0) LogOpened(logger, name, Ports(updated));
                return Describe(name);
            }
        }
        catch
        {
            foreach (var (_, relay) in opened.Where(o => !IsListener(name, o.Port, o.Relay))) await relay.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Holds the route's new connections, then drains the forwarded ones (<see cref="HoldingRelay.DrainAsync"/>): the idle
    /// ones are closed at once, those with a request in flight are waited for, at most <paramref name="drainLimit"/>.
    /// </summary>
    /// <returns>The route, the app ports whose forwarded connections were still in flight at the limit, and the drain's counts over all ports.</returns>
    public async Task<(RelayRoute Route, IReadOnlyList<int> Undrained, DrainOutcome Drain)> HoldAsync(string name, TimeSpan drainLimit, CancellationToken ct)
    {
        var held = ListenersOf(name);
        foreach (var (_, relay) in held) relay.Hold();
        LogHeld(logger, name, settings.MaxHold);
        var drained = await Task.WhenAll(held.Select(async h => (h.Port, Outcome: await h.Relay.DrainAsync(drainLimit, ct))));
        var total = drained.Aggregate(DrainOutcome.None, (sum, d) => sum.Plus(d.Outcome));
        var undrained = drained.Where(d => !d.Outcome.Drained).Select(d => d.Port).Order().ToList();
        LogDrained(logger, name, total.Elapsed, total.IdleClosed, total.InFlightWaited, total.Undrained, drainLimit);
        lock (gate) return (Describe(name), undrained, total);
    }

    /// <summary>Points the route's ports at new backends (app port -> "host:port"; ports not named keep theirs) and lets held connections through.</summary>
    public RelayRoute Switch(string name, IReadOnlyDictionary<int, string> backends)
    {
        RouteChecks.Name(name);
        foreach (var (port, backend) in backends)
        {
            RouteChecks.AppPort((uint)port);
            RouteChecks.Backend(backend);
        }
        lock (gate)
        {
            var route = RouteOf(name);
            var updated = route.ToDictionary(p => p.Key, p => backends.TryGetValue(p.Key, out var backend) ? p.Value with { Backend = backend } : p.Value);
            // Persisted before the listeners move: a relay that restarts now forwards to the new backends.
            stored.Save(new Dictionary<string, Dictionary<int, StoredRoutes.Port>>(routes, StringComparer.Ordinal) { [name] = updated });
            routes[name] = updated;
            foreach (var (port, entry) in updated)
            {
                if (listeners.TryGetValue((name, port), out var relay)) relay.Switch(entry.Backend);
            }
            LogSwitched(logger, name, Ports(updated));
            return Describe(name);
        }
    }

    /// <summary>Ends the route's hold: held connections go to the backends there are.</summary>
    public RelayRoute Release(string name)
    {
        foreach (var (_, relay) in ListenersOf(name)) relay.Release();
        LogReleased(logger, name);
        lock (gate) return Describe(name);
    }

    /// <summary>Closes the route's listeners and forgets it (nothing to do for a route it does not keep).</summary>
    /// <returns>How many routes the relay still keeps.</returns>
    public async Task<int> CloseAsync(string name)
    {
        RouteChecks.Name(name);
        List<HoldingRelay> closing;
        int left;
        lock (gate)
        {
            if (!routes.ContainsKey(name)) return routes.Count;
            var remaining = new Dictionary<string, Dictionary<int, StoredRoutes.Port>>(routes, StringComparer.Ordinal);
            remaining.Remove(name);
            stored.Save(remaining);
            closing = routes[name].Keys.Where(p => listeners.ContainsKey((name, p))).Select(p => listeners[(name, p)]).ToList();
            foreach (var port in routes[name].Keys) listeners.Remove((name, port));
            routes.Remove(name);
            left = routes.Count;
        }
        foreach (var relay in closing) await relay.DisposeAsync();
        LogClosed(logger, name, left);
        return left;
    }

    private HoldingRelay Listen(int listenPort, string backend) => new(listenPort, backend, settings.MaxHold, logger, settings.MaxConnections, settings.ListenAddress);

    private bool IsListener(string name, int port, HoldingRelay relay)
    {
        lock (gate) return listeners.TryGetValue((name, port), out var listener) && ReferenceEquals(listener, relay);
    }

    private List<(int Port, HoldingRelay Relay)> ListenersOf(string name)
    {
        RouteChecks.Name(name);
        lock (gate)
        {
            return RouteOf(name).Keys.Where(p => listeners.ContainsKey((name, p))).Select(p => (p, listeners[(name, p)])).ToList();
        }
    }

    private Dictionary<int, StoredRoutes.Port> RouteOf(string name) =>
        routes.TryGetValue(name, out var route) ? route : throw FederationException.NotFound($"the relay keeps no route {Names.Escape(name, 64)}");

    /// <summary>The route with the state of its listeners; called under the gate.</summary>
    private RelayRoute Describe(string name)
    {
        var route = new RelayRoute { Name = name };
        foreach (var (port, entry) in RouteOf(name).OrderBy(p => p.Key))
        {
            var listener = listeners.GetValueOrDefault((name, port));
            route.Ports.Add(new RelayPort
            {
                Port = (uint)port,
                ListenPort = (uint)entry.ListenPort,
                Backend = entry.Backend,
                Listening = listener is not null,
                Holding = listener?.Holding ?? false,
                HeldConnections = (uint)(listener?.HeldConnections ?? 0),
                OpenConnections = (uint)(listener?.OpenConnections ?? 0),
                ShedConnections = (ulong)(listener?.ShedConnections ?? 0),
            });
        }
        return route;
    }

    private static string Ports(Dictionary<int, StoredRoutes.Port> route) =>
        string.Join(", ", route.OrderBy(p => p.Key).Select(p => $"{p.Value.ListenPort} -> {p.Value.Backend}"));

    public async ValueTask DisposeAsync()
    {
        List<HoldingRelay> all;
        lock (gate)
        {
            all = [.. listeners.Values];
            listeners.Clear();
        }
        foreach (var relay in all) await relay.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "relay: {Routes} routes, {Listeners} listeners; holds end after {MaxHold} at the latest; at most {MaxConnections} connections per listener")]
    private static partial void LogLoaded(ILogger logger, int routes, int listeners, TimeSpan maxHold, int maxConnections);

    [LoggerMessage(Level = LogLevel.Error, Message = "relay: route {Route} port {Port} cannot listen on 127.0.0.1:{ListenPort} again: {Reason}")]
    private static partial void LogCannotListenAgain(ILogger logger, string route, int port, int listenPort, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "relay: route {Route} opened: {Ports}")]
    private static partial void LogOpened(ILogger logger, string route, string ports);

    [LoggerMessage(Level = LogLevel.Information, Message = "relay: route {Route} held (for {MaxHold} at the longest)")]
    private static partial void LogHeld(ILogger logger, string route, TimeSpan maxHold);

    [LoggerMessage(Level = LogLevel.Information, Message = "relay: route {Route} drained in {Elapsed}: closed {IdleClosed} idle connections at once, waited for {InFlightWaited} with a request in flight; {Undrained} still in flight at the limit of {Limit} (left open)")]
    private static partial void LogDrained(ILogger logger, string route, TimeSpan elapsed, int idleClosed, int inFlightWaited, int undrained, TimeSpan limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "relay: route {Route} switched: {Ports}")]
    private static partial void LogSwitched(ILogger logger, string route, string ports);

    [LoggerMessage(Level = LogLevel.Information, Message = "relay: route {Route} released")]
    private static partial void LogReleased(ILogger logger, string route);

    [LoggerMessage(Level = LogLevel.Information, Message = "relay: route {Route} closed; {Left} routes left")]
    private static partial void LogClosed(ILogger logger, string route, int left);
}
