using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Federation.SyncModule.Sender;

/// <summary>Channels to a receiver: h2c for http://, TLS (optionally mutual) for https://.</summary>
public static class SyncChannelFactory
{
    public static GrpcChannel Create(Uri endpoint, SyncClientTls? tls = null)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            InitialHttp2StreamWindowSize = 1 << 20,
        };
        if (tls is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
                RemoteCertificateValidationCallback = tls.TrustedAuthority is null
                    ? null
                    : (_, certificate, _, errors) => certificate is not null
                        && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                        && CertificateChains.ChainsTo(new X509Certificate2(certificate), tls.TrustedAuthority),
            };
        }
        return GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 16 << 20,
        });
    }
}
