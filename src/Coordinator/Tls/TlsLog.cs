namespace Federation.Coordinator.Tls;

/// <summary>Log lines of refused TLS handshakes, on both sides of the coordinator.</summary>
public static partial class TlsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "refused a client certificate: {Reason}")]
    public static partial void ClientCertificateRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused the server certificate of peer {Peer}: {Reason}")]
    public static partial void PeerCertificateRefused(ILogger logger, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "listening with TLS on {Address}:{Port} (certificate '{Subject}', mutual TLS: {Mutual})")]
    public static partial void ListeningWithTls(ILogger logger, string address, int port, string subject, bool mutual);
}
