using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Federation.Cli.Config;
using Federation.Common;

namespace Federation.Cli.Tls;

/// <summary>
/// The TLS side of one cluster entry: the CA its coordinator's certificate must chain to (else the system roots) and the
/// client certificate fedctl presents. Remembers why it refused a server certificate, for the error message.
/// </summary>
public sealed class ClusterTls
{
    private readonly X509Certificate2Collection? authorities;

    private ClusterTls(X509Certificate2Collection? authorities, X509Certificate2? clientCertificate)
    {
        this.authorities = authorities;
        ClientCertificate = clientCertificate;
    }

    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Why the last server certificate was refused; null when none was.</summary>
    public string? ServerCertificateRejection { get; private set; }

    /// <summary>A server certificate passed the check, so a handshake got as far as our side's verdict.</summary>
    public bool ServerCertificateAccepted { get; private set; }

    /// <exception cref="CliException">A file of the entry is missing or unusable (exit code 3).</exception>
    public static ClusterTls Load(ClusterEntry cluster)
    {
        X509Certificate2Collection? authorities = null;
        if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            authorities = [];
            Guard(cluster, "certificate-authority", cluster.CertificateAuthority, () => authorities.ImportFromPemFile(cluster.CertificateAuthority));
            if (authorities.Count == 0) throw Bad(cluster, "certificate-authority", cluster.CertificateAuthority, "holds no PEM certificate");
        }
        X509Certificate2? client = null;
        if (!string.IsNullOrEmpty(cluster.ClientCertificate) || !string.IsNullOrEmpty(cluster.ClientKey))
        {
            if (string.IsNullOrEmpty(cluster.ClientCertificate) || string.IsNullOrEmpty(cluster.ClientKey))
                throw new CliException(ExitCodes.Config, $"cluster '{cluster.Name}': client-certificate and client-key go together");
            Guard(cluster, "client-key", cluster.ClientKey, () => { });
            Guard(cluster, "client-certificate", cluster.ClientCertificate, () => client = X509Certificate2.CreateFromPemFile(cluster.ClientCertificate, cluster.ClientKey));
        }
        return new ClusterTls(authorities, client);
    }

    public bool ValidateServerCertificate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var accepted = Check(certificate, chain, errors);
        ServerCertificateAccepted |= accepted;
        return accepted;
    }

    private bool Check(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return Reject("the coordinator sent no certificate");
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return Reject($"its certificate '{certificate.Subject}' does not name the host in the address");
        if (authorities is null)
            return errors == SslPolicyErrors.None || Reject($"its certificate '{certificate.Subject}' is not trusted by the system roots (set certificate-authority)");

        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        return new CustomRootTrust(authorities).Trusts(leaf, chain, CustomRootTrust.ServerAuthentication, out var problem)
               || Reject($"its {problem}: it is not issued under the config's certificate-authority");
    }

    private bool Reject(string why)
    {
        ServerCertificateRejection = why;
        return false;
    }

    private static void Guard(ClusterEntry cluster, string field, string path, Action load)
    {
        if (!File.Exists(path)) throw Bad(cluster, field, path, "does not exist");
        try { load(); }
        catch (Exception e) when (e is CryptographicException or ArgumentException) { throw Bad(cluster, field, path, $"cannot be used: {e.Message.ReplaceLineEndings(" ").TrimEnd('.')}"); }
        catch (IOException e) { throw Bad(cluster, field, path, $"cannot be read: {e.Message.ReplaceLineEndings(" ").TrimEnd('.')}"); }
        catch (UnauthorizedAccessException e) { throw Bad(cluster, field, path, $"cannot be read: {e.Message.ReplaceLineEndings(" ").TrimEnd('.')}"); }
    }

    private static CliException Bad(ClusterEntry cluster, string field, string path, string problem) =>
        new(ExitCodes.Config, $"cluster '{cluster.Name}': {field} '{path}' {problem}");
}
