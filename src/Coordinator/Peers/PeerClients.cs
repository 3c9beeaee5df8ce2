using System.Collections.Concurrent;
using Federation.Common;
using Federation.Common.Auth;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Options;
using Federation.Coordinator.Tls;
using Federation.V1;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Peers;

/// <summary>
/// The configured peer coordinators, one channel each: h2c for http:// peers, TLS (with our client certificate) for https:// ones.
/// Every call names this cluster and carries the secret shared with that peer (<see cref="PeerMetadata"/>).
/// </summary>
public sealed class PeerClients(IOptions<CoordinatorOptions> options, PeerTls tls, CoordinatorCredentials credentials, ILogger<PeerClients> logger) : IDisposable
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
            .Intercept(new CallHeadersInterceptor(PeerMetadata.Of(options.Value.Cluster, credentials.SecretOf(cluster))))
            .Intercept(DefaultDeadlineInterceptor.Standard));
    }

    /// <summary>
    /// A peer that was down is tried again at most <see cref="MaxReconnectBackoff"/> after its last failed connection (the
    /// library's default grows to two minutes), so membership sees a restarted peer within a few heartbeats.
    /// </summary>
    public static readonly TimeSpan MaxReconnectBackoff = TimeSpan.FromSeconds(5);

    private GrpcChannel Open(string cluster, string address)
    {
        if (!address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReconnectBackoff = MaxReconnectBackoff });
        var handler = tls.CreateHandler(reason => TlsLog.PeerCertificateRefused(logger, cluster, reason));
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, MaxReconnectBackoff = MaxReconnectBackoff });
    }

    private string Known() => options.Value.Peers.Count == 0 ? "none" : string.Join(", ", options.Value.Peers.Keys.Order(StringComparer.Ordinal));

    public void Dispose()
    {
        foreach (var channel in channels.Values) channel.Dispose();
    }
}
