using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Federation.Common;

/// <summary>Checks a certificate against our own CA certificates only (not the system roots), without revocation checks.</summary>
public sealed class CustomRootTrust(X509Certificate2Collection authorities)
{
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <param name="presented">The chain the other side sent, for its intermediates.</param>
    /// <param name="usage">The extended key usage the certificate must allow.</param>
    /// <param name="problem">Why it is not trusted, one line.</param>
    public bool Trusts(X509Certificate2 certificate, X509Chain? presented, Oid usage, out string problem)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        if (chain.Build(certificate))
        {
            problem = "";
            return true;
        }
        var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim().TrimEnd('.')).Where(s => s.Length > 0).Distinct();
        problem = $"certificate '{certificate.Subject}' is not trusted: {string.Join("; ", reasons)}";
        return false;
    }
}
