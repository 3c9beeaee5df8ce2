using System.Collections.Concurrent;
using Federation.Common;
using Federation.Coordinator.Options;
using Federation.Coordinator.Tls;
using Federation.V1;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Peers;

/// <summary>The configured peer coordinators, one channel each: h2c for http:// peers, TLS (with our client certificate) for https:// ones.</summary>
public sealed class PeerClients(IOptions<CoordinatorOptions> options, PeerTls tls, ILogger<PeerClients> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new();

    public IReadOnlyDictionary<string, string> Peers => options.Value.Peers;

    public bool IsKnown(string cluster) => options.Value.Peers.ContainsKey(cluster);

    public CoordinatorPeer.CoordinatorPeerClient For(string cluster)
    {
        if (!options.Value.Peers.TryGetValue(cluster, out var address))
            throw FederationException.NotFound(
                $"unknown destination cluster '{cluster}' (peers of '{options.Value.Cluster}': {Known()})");
        return new CoordinatorPeer.CoordinatorPeerClient(channels.GetOrAdd(cluster, _ => Open(cluster, address))
            .Intercept(DefaultDeadlineInterceptor.Standard));
    }

    private GrpcChannel Open(string cluster, string address)
    {
        if (!address.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return GrpcChannel.ForAddress(address);
        var handler = tls.CreateHandler(reason => TlsLog.PeerCertificateRefused(logger, cluster, reason));
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private string Known() => options.Value.Peers.Count == 0 ? "none" : string.Join(", ", options.Value.Peers.Keys.Order(StringComparer.Ordinal));

    public void Dispose()
    {
        foreach (var channel in channels.Values) channel.Dispose();
    }
}
