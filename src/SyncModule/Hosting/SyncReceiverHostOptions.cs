using System.Net;
using System.Security.Cryptography.X509Certificates;
using Federation.SyncModule.Receiver;
using Microsoft.Extensions.Logging;

namespace Federation.SyncModule.Hosting;

/// <summary>A standalone receiver: where it listens, with which certificates, into which root.</summary>
public sealed class SyncReceiverHostOptions
{
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>0 picks a free port; read it back from <see cref="SyncReceiverHost.Endpoint"/>.</summary>
    public int Port { get; set; }

    public SyncReceiverOptions Receiver { get; set; } = new();

    /// <summary>Serves TLS (https) when set, h2c (http) otherwise.</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>Mutual TLS: when set, every client must present a certificate that chains to this authority.</summary>
    public X509Certificate2? ClientAuthority { get; set; }

    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Warning;
}
