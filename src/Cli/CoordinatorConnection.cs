using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Federation.Cli.Config;
using Federation.Common;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federation.Cli;

/// <summary>A channel to one cluster's coordinator, with the config's certificates when it uses https.</summary>
public sealed class CoordinatorConnection : IDisposable
{
    private readonly GrpcChannel channel;

    public CoordinatorConnection(ClusterEntry cluster)
    {
        Cluster = cluster;
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (!string.IsNullOrEmpty(cluster.ClientCertificate) && !string.IsNullOrEmpty(cluster.ClientKey))
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(cluster.ClientCertificate, cluster.ClientKey)];
        if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            var authority = X509CertificateLoader.LoadCertificateFromFile(cluster.CertificateAuthority);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null) return false;
                if (errors == SslPolicyErrors.None) return true;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
        channel = GrpcChannel.ForAddress(cluster.Address, new GrpcChannelOptions { HttpHandler = handler });
        Client = new V1.Coordinator.CoordinatorClient(channel.Intercept(DefaultDeadlineInterceptor.Standard));
    }

    public ClusterEntry Cluster { get; }

    public V1.Coordinator.CoordinatorClient Client { get; }

    public static DateTime Deadline(int seconds = 15) => DateTime.UtcNow.AddSeconds(seconds);

    public void Dispose() => channel.Dispose();
}
