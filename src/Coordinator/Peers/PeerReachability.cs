using Federation.Common;
using Federation.Coordinator.Options;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Peers;

/// <summary>The configured peers, each asked for a heartbeat now: reachable, or the one-line reason why not.</summary>
public sealed class PeerReachability(PeerClients peers, IOptions<CoordinatorOptions> options)
{
    public async Task<ListPeersResponse> ListAsync(CancellationToken ct)
    {
        var response = new ListPeersResponse { Cluster = options.Value.Cluster };
        foreach (var (name, address) in peers.Peers.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var peer = new Peer { Name = name, Address = address };
            try
            {
                await peers.For(name).HeartbeatAsync(new HeartbeatRequest { SourceCluster = options.Value.Cluster },
                    deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: ct);
                peer.Reachable = true;
                peer.Detail = "ok";
            }
            catch (RpcException e)
            {
                peer.Detail = ErrorMappingInterceptor.OneLine($"{e.StatusCode}: {e.Status.Detail}");
            }
            response.Peers.Add(peer);
        }
        return response;
    }
}
