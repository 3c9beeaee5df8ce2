using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Federation.Coordinator.Tls;

/// <summary>Loads certificates and keys from PEM (or PKCS#12) files, failing with one line that names the file and the setting.</summary>
public static class PemFiles
{
    /// <summary>Every certificate of a PEM file (a CA bundle, or a certificate and its chain).</summary>
    public static X509Certificate2Collection LoadCertificates(string path, string setting)
    {
        var text = ReadText(path, setting);
        var certificates = new X509Certificate2Collection();
        try { certificates.ImportFromPem(text); }
        catch (CryptographicException e) { throw Bad(path, setting, $"holds a malformed PEM certificate ({OneLine(e)})"); }
        if (certificates.Count == 0) throw Bad(path, setting, "holds no PEM certificate");
        return certificates;
    }

    /// <summary>A certificate with its private key and the chain that followed it in the file.</summary>
    /// <param name="keyPath">PEM key file; empty: the key is in <paramref name="certificatePath"/> (PEM) or it is a PKCS#12 file.</param>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Chain) LoadCertificateWithKey(
        string certificatePath, string keyPath, string password, string certificateSetting, string keySetting)
    {
        var text = ReadText(certificatePath, certificateSetting);
        if (!text.Contains("-----BEGIN", StringComparison.Ordinal)) return LoadPkcs12(certificatePath, password, certificateSetting);

        var all = LoadCertificates(certificatePath, certificateSetting);
        var keyText = keyPath.Length == 0 ? text : ReadText(keyPath, keySetting);
        var keyFile = keyPath.Length == 0 ? certificatePath : keyPath;
        var keySettingShown = keyPath.Length == 0 ? certificateSetting : keySetting;
        if (!HasPrivateKeyPem(keyText))
            throw keyPath.Length == 0
                ? Bad(certificatePath, certificateSetting, $"holds no private key (set {keySetting})")
                : Bad(keyPath, keySetting, "holds no PEM private key");
        X509Certificate2 withKey;
        try
        {
            withKey = password.Length > 0 && keyText.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromEncryptedPem(text, keyText, password)
                : X509Certificate2.CreateFromPem(text, keyText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException && !KeyMatches(all[0], keyText, password))
        {
            throw new TlsConfigurationException($"{keySettingShown} '{keyFile}' does not match the certificate in {certificateSetting} '{certificatePath}'");
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw Bad(keyFile, keySettingShown, $"holds a key that cannot be used ({OneLine(e)})");
        }
        var chain = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++) chain.Add(all[i]);
        return (UsableBySslStream(withKey), chain);
    }

    private static (X509Certificate2, X509Certificate2Collection) LoadPkcs12(string path, string password, string setting)
    {
        X509Certificate2Collection all;
        try { all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password.Length == 0 ? null : password); }
        catch (CryptographicException e) { throw Bad(path, setting, $"is neither PEM nor a readable PKCS#12 file ({OneLine(e)})"); }
        var leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw Bad(path, setting, "holds no certificate with a private key");
        var chain = new X509Certificate2Collection();
        foreach (var certificate in all.Where(c => !ReferenceEquals(c, leaf))) chain.Add(certificate);
        return (leaf, chain);
    }

    private static bool HasPrivateKeyPem(string text)
    {
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.EndsWith("PRIVATE KEY", StringComparison.Ordinal)) return true;
            rest = rest[fields.Location.End.Value..];
        }
        return false;
    }

    private static bool KeyMatches(X509Certificate2 certificate, string keyText, string password)
    {
        try
        {
            using AsymmetricAlgorithm key = certificate.GetKeyAlgorithm() switch
            {
                "1.2.840.113549.1.1.1" => RSA.Create(),
                "1.2.840.10045.2.1" => ECDsa.Create(),
                _ => throw new CryptographicException("unsupported key algorithm"),
            };
            if (password.Length > 0 && keyText.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal)) key.ImportFromEncryptedPem(keyText, password);
            else key.ImportFromPem(keyText);
            var expected = certificate.PublicKey.ExportSubjectPublicKeyInfo();
            return expected.AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
        }
        catch (CryptographicException)
        {
            return true; // not a mismatch we can prove: report the key as unusable instead
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>Windows' SslStream cannot use an ephemeral PEM key; a PKCS#12 round trip gives it a usable one. Elsewhere it is a no-op.</summary>
    private static X509Certificate2 UsableBySslStream(X509Certificate2 certificate)
    {
        if (!OperatingSystem.IsWindows()) return certificate;
        using (certificate) return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static string ReadText(string path, string setting)
    {
        if (!File.Exists(path)) throw Bad(path, setting, "does not exist");
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Bad(path, setting, $"cannot be read ({OneLine(e)})"); }
    }

    private static TlsConfigurationException Bad(string path, string setting, string problem) => new($"{setting} '{path}' {problem}");

    private static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ").TrimEnd('.', ' ');
}
