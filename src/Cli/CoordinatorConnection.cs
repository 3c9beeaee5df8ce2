using Federation.Cli.Config;
using Federation.Cli.Tls;
using Federation.Common;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federation.Cli;

/// <summary>A channel to one cluster's coordinator, with the config's certificates when it uses https.</summary>
public sealed class CoordinatorConnection : IDisposable
{
    private readonly GrpcChannel channel;

    /// <exception cref="CliException">A certificate file of the entry is missing or unusable.</exception>
    public CoordinatorConnection(ClusterEntry cluster)
    {
        Cluster = cluster;
        Tls = ClusterTls.Load(cluster);
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (Tls.ClientCertificate is not null) handler.SslOptions.ClientCertificates = [Tls.ClientCertificate];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Tls.ValidateServerCertificate(certificate, chain, errors);
        channel = GrpcChannel.ForAddress(cluster.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        Client = new V1.Coordinator.CoordinatorClient(channel.Intercept(DefaultDeadlineInterceptor.Standard));
    }

    public ClusterEntry Cluster { get; }

    public ClusterTls Tls { get; }

    public V1.Coordinator.CoordinatorClient Client { get; }

    public static DateTime Deadline(int seconds = 15) => DateTime.UtcNow.AddSeconds(seconds);

    public void Dispose() => channel.Dispose();
}
