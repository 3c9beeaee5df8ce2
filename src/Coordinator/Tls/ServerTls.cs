using Federation.Common;
using System.Security.Cryptography.X509Certificates;
using Federation.Coordinator.Options;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Federation.Coordinator.Tls;

/// <summary>The coordinator's server certificate and, for mutual TLS, the trust its clients' certificates are checked against.</summary>
public sealed class ServerTls
{
    private ServerTls(X509Certificate2 certificate, X509Certificate2Collection chain, CustomRootTrust? clients)
    {
        Certificate = certificate;
        Chain = chain;
        Clients = clients;
    }

    public X509Certificate2 Certificate { get; }
    public X509Certificate2Collection Chain { get; }

    /// <summary>Null unless mutual TLS is on.</summary>
    public CustomRootTrust? Clients { get; }

    /// <summary>Null when no certificate is configured (h2c).</summary>
    public static ServerTls? Load(TlsOptions options)
    {
        if (!options.Enabled) return null;
        var (certificate, chain) = PemFiles.LoadCertificateWithKey(options.Certificate, options.Key, options.Password,
            "Coordinator:Tls:Certificate (--tls-cert)", "Coordinator:Tls:Key (--tls-key)");
        var now = DateTime.Now;
        if (certificate.NotAfter < now)
            throw new TlsConfigurationException($"Coordinator:Tls:Certificate (--tls-cert) '{options.Certificate}' expired on {certificate.NotAfter:u}");
        if (certificate.NotBefore > now)
            throw new TlsConfigurationException($"Coordinator:Tls:Certificate (--tls-cert) '{options.Certificate}' is not valid before {certificate.NotBefore:u}");
        var clients = options.MutualTls
            ? new CustomRootTrust(PemFiles.LoadCertificates(options.ClientCertificateAuthority, "Coordinator:Tls:ClientCertificateAuthority (--client-ca)"))
            : null;
        return new ServerTls(certificate, chain, clients);
    }

    /// <param name="rejected">Told the subject and reason of every client certificate refused.</param>
    public HttpsConnectionAdapterOptions HttpsOptions(Action<string> rejected)
    {
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = Certificate,
            ServerCertificateChain = Chain.Count > 0 ? Chain : null,
            CheckCertificateRevocation = false,
            ClientCertificateMode = Clients is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
        };
        if (Clients is { } trust)
        {
            https.ClientCertificateValidation = (certificate, chain, _) =>
            {
                if (trust.Trusts(certificate, chain, CustomRootTrust.ClientAuthentication, out var problem)) return true;
                rejected(problem);
                return false;
            };
        }
        return https;
    }
}
