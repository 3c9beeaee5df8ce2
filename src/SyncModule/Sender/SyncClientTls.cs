using System.Security.Cryptography.X509Certificates;

namespace Federation.SyncModule.Sender;

/// <summary>
/// TLS for a sender's channel: the authority the receiver's certificate must chain to (instead of
/// the system store), and the sender's own certificate when the receiver requires mutual TLS.
/// </summary>
public sealed class SyncClientTls
{
    public X509Certificate2? TrustedAuthority { get; init; }
    public X509Certificate2? ClientCertificate { get; init; }
}
