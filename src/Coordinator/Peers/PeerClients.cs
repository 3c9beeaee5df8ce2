using System.Collections.Concurrent;
using Federation.Common;
using Federation.Coordinator.Options;
using Federation.V1;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Peers;

/// <summary>The configured peer coordinators, one channel each.</summary>
public sealed class PeerClients(IOptions<CoordinatorOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new();

    public IReadOnlyDictionary<string, string> Peers => options.Value.Peers;

    public bool IsKnown(string cluster) => options.Value.Peers.ContainsKey(cluster);

    public CoordinatorPeer.CoordinatorPeerClient For(string cluster)
    {
        if (!options.Value.Peers.TryGetValue(cluster, out var address))
            throw FederationException.NotFound(
                $"unknown destination cluster '{cluster}' (peers of '{options.Value.Cluster}': {Known()})");
        return new CoordinatorPeer.CoordinatorPeerClient(channels.GetOrAdd(cluster, _ => GrpcChannel.ForAddress(address))
            .Intercept(DefaultDeadlineInterceptor.Standard));
    }

    private string Known() => options.Value.Peers.Count == 0 ? "none" : string.Join(", ", options.Value.Peers.Keys.Order(StringComparer.Ordinal));

    public void Dispose()
    {
        foreach (var channel in channels.Values) channel.Dispose();
    }
}
