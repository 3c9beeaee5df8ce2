using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Federation.Coordinator.Tests.Support;

/// <summary>A throwaway PKI for TLS tests: CAs, server certificates for 127.0.0.1/localhost and client certificates, written as PEM.</summary>
public sealed class TestCertificates(string directory)
{
    public sealed record Issued(string Certificate, string Key, X509Certificate2 Value);

    public string Directory { get; } = directory;

    /// <summary>A self-signed CA; <see cref="Issued.Certificate"/> is the path of its PEM certificate.</summary>
    public Issued CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return Write(name, certificate, key);
    }

    /// <summary>A server certificate for 127.0.0.1 and localhost.</summary>
    public Issued CreateServer(string name, Issued authority) =>
        Issue(name, authority, CustomRootUsage.Server, san =>
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
        });

    public Issued CreateClient(string name, Issued authority) => Issue(name, authority, CustomRootUsage.Client, _ => { });

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

    private enum CustomRootUsage { Server, Client }

    private Issued Issue(string name, Issued authority, CustomRootUsage usage, Action<SubjectAlternativeNameBuilder> names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(usage == CustomRootUsage.Server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority.Value, true, false));
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        if (usage == CustomRootUsage.Server) request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(authority.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        return Write(name, issued.CopyWithPrivateKey(key), key);
    }

    private Issued Write(string name, X509Certificate2 certificate, ECDsa key)
    {
        var certificatePath = WriteText($"{name}.crt", certificate.ExportCertificatePem() + "\n");
        var keyPath = WriteText($"{name}.key", key.ExportPkcs8PrivateKeyPem() + "\n");
        return new Issued(certificatePath, keyPath, certificate);
    }
}
