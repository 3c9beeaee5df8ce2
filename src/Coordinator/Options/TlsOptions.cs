namespace Federation.Coordinator.Options;

/// <summary>The coordinator's own TLS. No certificate: h2c (plain HTTP/2) as before.</summary>
public sealed class TlsOptions
{
    /// <summary>PEM certificate (optionally followed by its chain, or by its key), or a PKCS#12 (.pfx/.p12) file.</summary>
    public string Certificate { get; set; } = "";

    /// <summary>PEM private key of <see cref="Certificate"/>; empty when the key is in the certificate file or a PKCS#12 file is used.</summary>
    public string Key { get; set; } = "";

    /// <summary>Password of a PKCS#12 file or of an encrypted PEM key (set it through the environment, not the command line).</summary>
    public string Password { get; set; } = "";

    /// <summary>PEM CA certificate(s). When set, mutual TLS: every client must present a certificate issued under one of them.</summary>
    public string ClientCertificateAuthority { get; set; } = "";

    public bool Enabled => Certificate.Length > 0;

    public bool MutualTls => ClientCertificateAuthority.Length > 0;
}
