using Federation.Cli.Auth;
using Federation.Cli.Config;
using Federation.Cli.Tls;
using Federation.Common;
using Federation.Common.Auth;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federation.Cli;

/// <summary>A channel to one cluster's coordinator, with the config's certificates when it uses https, and the operator token on every call.</summary>
public sealed class CoordinatorConnection : IDisposable
{
    private readonly GrpcChannel channel;

    /// <param name="tokenFileOption">fedctl's --token-file, which goes before the entry's own token file.</param>
    /// <exception cref="CliException">A certificate or token file of the entry is missing or unusable.</exception>
    public CoordinatorConnection(ClusterEntry cluster, string? tokenFileOption = null)
    {
        Cluster = cluster;
        Tls = ClusterTls.Load(cluster);
        Token = OperatorToken.For(cluster, tokenFileOption);
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (Tls.ClientCertificate is not null) handler.SslOptions.ClientCertificates = [Tls.ClientCertificate];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Tls.ValidateServerCertificate(certificate, chain, errors);
        channel = GrpcChannel.ForAddress(cluster.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var invoker = Token.Value is { } token ? channel.Intercept(CallHeadersInterceptor.Bearer(token)) : channel.CreateCallInvoker();
        Client = new V1.Coordinator.CoordinatorClient(invoker.Intercept(DefaultDeadlineInterceptor.Standard));
    }

    public ClusterEntry Cluster { get; }

    public ClusterTls Tls { get; }

    public OperatorToken Token { get; }

    public V1.Coordinator.CoordinatorClient Client { get; }

    public static DateTime Deadline(int seconds = 15) => DateTime.UtcNow.AddSeconds(seconds);

    public void Dispose() => channel.Dispose();
}
