using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Federation.Testing;

/// <summary>
/// A throwaway PKI for TLS tests (linked into the sync and the coordinator tests): certificate
/// authorities, server certificates for 127.0.0.1 and localhost, and client certificates. Made in
/// memory; a PKI given a directory also writes each certificate and key there as PEM. Disposing the
/// PKI disposes every certificate it made.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    /// <summary>
    /// A certificate with its private key; <see cref="Certificate"/> and <see cref="Key"/> are the paths
    /// of its PEM files, empty for a PKI without a directory.
    /// </summary>
    public sealed record Issued(string Certificate, string Key, X509Certificate2 Value);

    private readonly string? directory;
    private readonly List<X509Certificate2> made = [];

    /// <summary>A PKI in memory only.</summary>
    public TestCertificates() { }

    /// <summary>A PKI that also writes its certificates and keys into <paramref name="directory"/>.</summary>
    public TestCertificates(string directory) => this.directory = directory;

    public string Directory => directory ?? throw new InvalidOperationException("this test PKI keeps its certificates in memory only");

    /// <summary>A self-signed CA; <see cref="Issued.Certificate"/> is the path of its PEM certificate.</summary>
    public Issued CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return Keep(name, certificate, key);
    }

    /// <summary>A server certificate for 127.0.0.1 and localhost.</summary>
    public Issued CreateServer(string name, Issued authority) => Issue(name, authority, server: true);

    public Issued CreateClient(string name, Issued authority) => Issue(name, authority, server: false);

    /// <summary>The certificate with its key as a password-protected PKCS#12 file.</summary>
    public string WritePkcs12(Issued issued, string password)
    {
        var path = Path.Combine(Directory, Path.GetFileNameWithoutExtension(issued.Certificate) + ".pfx");
        File.WriteAllBytes(path, issued.Value.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    public string WriteText(string fileName, string text)
    {
        var path = Path.Combine(Directory, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        foreach (var certificate in made) certificate.Dispose();
        made.Clear();
    }

    private Issued Issue(string name, Issued authority, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority.Value, true, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(authority.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // A PFX round trip gives a certificate whose key SslStream can use on every platform.
        var certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
        return Keep(name, certificate, key);
    }

    private Issued Keep(string name, X509Certificate2 certificate, ECDsa key)
    {
        made.Add(certificate);
        if (directory is null) return new Issued("", "", certificate);
        var certificatePath = WriteText($"{name}.crt", certificate.ExportCertificatePem() + "\n");
        var keyPath = WriteText($"{name}.key", key.ExportPkcs8PrivateKeyPem() + "\n");
        return new Issued(certificatePath, keyPath, certificate);
    }
}
