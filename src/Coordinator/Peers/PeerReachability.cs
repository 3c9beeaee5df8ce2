using Federation.Coordinator.Membership;
using Federation.Coordinator.Options;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Peers;

/// <summary>
/// The configured peers, each sent a membership heartbeat now (reachable, or the one-line reason why not), with what
/// membership knows of it: its state, its last heartbeat and the free capacity it told.
/// </summary>
public sealed class PeerReachability(PeerClients peers, HeartbeatExchange exchange, PeerMembership membership, LocalCapacity capacity, IOptions<CoordinatorOptions> options)
{
    public async Task<ListPeersResponse> ListAsync(CancellationToken ct)
    {
        var names = peers.Peers.Keys.Order(StringComparer.Ordinal).ToList();
        var answered = await Task.WhenAll(names.Select(name => exchange.SendAsync(name, ct)));
        var response = new ListPeersResponse
        {
            Cluster = options.Value.Cluster,
            Capacity = CapacityMessages.ToMessage(await capacity.GetAsync(options.Value.Membership.HeartbeatInterval, ct)),
        };
        for (var i = 0; i < names.Count; i++)
        {
            var view = membership.ViewOf(names[i]);
            var peer = new Peer
            {
                Name = names[i],
                Address = peers.Peers[names[i]],
                Reachable = answered[i],
                Detail = answered[i] ? "ok" : view.LastError,
                State = view.State,
            };
            if (view.LastSeen is { } seen) peer.LastHeartbeat = Timestamp.FromDateTimeOffset(seen);
            if (view.Capacity is { } capacity) peer.Capacity = CapacityMessages.ToMessage(capacity);
            response.Peers.Add(peer);
        }
        return response;
    }
}
