using Federation.Adapters.Relay.Routes;
using Federation.V1;
using Grpc.Core;

namespace Federation.Adapters.Relay.Control;

/// <summary>The relay's control API (federation.v1.Relay), served on its owner-only unix socket: a thin layer over <see cref="RouteTable"/>.</summary>
public sealed class RelayControlService(RouteTable routes) : V1.Relay.RelayBase
{
    private static readonly TimeSpan DefaultDrainLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxDrainLimit = TimeSpan.FromSeconds(30);

    public override Task<ListRelayRoutesResponse> ListRoutes(ListRelayRoutesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListRelayRoutesResponse { Routes = { routes.List() } });

    public override Task<RelayRoute> OpenRoute(OpenRelayRouteRequest request, ServerCallContext context) =>
        routes.OpenAsync(request.Name, request.Ports);

    public override async Task<HoldRelayRouteResponse> HoldRoute(HoldRelayRouteRequest request, ServerCallContext context)
    {
        var limit = request.DrainLimit?.ToTimeSpan() ?? DefaultDrainLimit;
        if (limit < TimeSpan.Zero || limit > MaxDrainLimit)
            throw FederationException.InvalidArgument($"drain limit {limit.TotalSeconds:F1} s is not between 0 and {MaxDrainLimit.TotalSeconds:F0} s");
        var (route, undrained, drain) = await routes.HoldAsync(request.Name, limit, context.CancellationToken);
        return new HoldRelayRouteResponse
        {
            Route = route,
            UndrainedPorts = { undrained.Select(p => (uint)p) },
            IdleConnectionsClosed = (uint)drain.IdleClosed,
            InFlightConnectionsWaited = (uint)drain.InFlightWaited,
            UndrainedConnections = (uint)drain.Undrained,
        };
    }

    public override Task<RelayRoute> SwitchRoute(SwitchRelayRouteRequest request, ServerCallContext context)
    {
        if (request.Backends.Count == 0) throw FederationException.InvalidArgument("no backends to switch to");
        return Task.FromResult(routes.Switch(request.Name, request.Backends.ToDictionary(b => (int)Math.Min(b.Key, int.MaxValue), b => b.Value)));
    }

    public override Task<RelayRoute> ReleaseRoute(RelayRouteRequest request, ServerCallContext context) =>
        Task.FromResult(routes.Release(request.Name));

    public override async Task<CloseRelayRouteResponse> CloseRoute(RelayRouteRequest request, ServerCallContext context) =>
        new() { RoutesLeft = (uint)await routes.CloseAsync(request.Name) };
}
