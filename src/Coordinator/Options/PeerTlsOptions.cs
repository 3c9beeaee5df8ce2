namespace Federation.Coordinator.Options;

/// <summary>TLS towards https:// peers: whom to trust and which client certificate to present (http:// peers ignore it).</summary>
public sealed class PeerTlsOptions
{
    /// <summary>PEM CA certificate(s) trusted for peers' server certificates instead of the system roots.</summary>
    public string CertificateAuthority { get; set; } = "";

    /// <summary>PEM client certificate presented to peers that require mutual TLS.</summary>
    public string ClientCertificate { get; set; } = "";

    /// <summary>PEM private key of <see cref="ClientCertificate"/>; empty when the key is in the certificate file.</summary>
    public string ClientKey { get; set; } = "";
}
