using Federation.Common;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Federation.Coordinator.Options;

namespace Federation.Coordinator.Tls;

/// <summary>What a coordinator uses on https:// peer channels: the CA it trusts for peers and the client certificate it presents.</summary>
public sealed class PeerTls
{
    private PeerTls(CustomRootTrust? authorities, X509Certificate2? clientCertificate)
    {
        Authorities = authorities;
        ClientCertificate = clientCertificate;
    }

    /// <summary>Null: the system roots.</summary>
    public CustomRootTrust? Authorities { get; }

    public X509Certificate2? ClientCertificate { get; }

    public static PeerTls Load(PeerTlsOptions options)
    {
        var authorities = options.CertificateAuthority.Length > 0
            ? new CustomRootTrust(PemFiles.LoadCertificates(options.CertificateAuthority, "Coordinator:PeerTls:CertificateAuthority (--peer-ca)"))
            : null;
        var client = options.ClientCertificate.Length > 0
            ? PemFiles.LoadCertificateWithKey(options.ClientCertificate, options.ClientKey, "",
                "Coordinator:PeerTls:ClientCertificate (--peer-cert)", "Coordinator:PeerTls:ClientKey (--peer-key)").Certificate
            : null;
        return new PeerTls(authorities, client);
    }

    /// <summary>A handler for one https peer: our client certificate, and its server certificate checked against our CA.</summary>
    /// <param name="rejected">Told why a peer's server certificate was refused.</param>
    public SocketsHttpHandler CreateHandler(Action<string> rejected)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (ClientCertificate is not null) handler.SslOptions.ClientCertificates = [ClientCertificate];
        handler.SslOptions.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (certificate is null) return Reject(rejected, "the peer sent no server certificate");
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                return Reject(rejected, $"the peer's certificate '{certificate.Subject}' does not name the address dialled");
            if (Authorities is null)
                return errors == SslPolicyErrors.None || Reject(rejected, $"the peer's certificate '{certificate.Subject}' is not trusted by the system roots ({errors}); set --peer-ca");
            var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
            return Authorities.Trusts(leaf, chain, CustomRootTrust.ServerAuthentication, out var problem) || Reject(rejected, problem);
        };
        return handler;
    }

    private static bool Reject(Action<string> rejected, string why)
    {
        rejected(why);
        return false;
    }
}
