using System.Security.Cryptography.X509Certificates;

namespace Federation.SyncModule;

/// <summary>Checks a peer certificate against one private authority (no system store, no revocation lookups).</summary>
internal static class CertificateChains
{
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority, X509Certificate2Collection? extra = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (extra is not null) chain.ChainPolicy.ExtraStore.AddRange(extra);
        return chain.Build(certificate);
    }
}
