using Grpc.Core;

namespace Federation.Cli.Tls;

/// <summary>Turns a call that failed in the TLS handshake into one line that says which side refused whom.</summary>
public static class TlsFailure
{
    /// <summary>The message, or null when the failure is not a TLS one.</summary>
    public static string? Describe(RpcException e, CoordinatorConnection connection)
    {
        var cluster = connection.Cluster;
        if (!cluster.Address.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return null;
        if (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Internal) || e.Status.DebugException is null) return null;
        var where = $"the coordinator of cluster '{cluster.Name}' at {cluster.Address}";
        var tls = connection.Tls;
        if (tls.ServerCertificateRejection is { } why) return $"refused to talk to {where}: {why}";

        // Under TLS 1.3 a server that refuses the client certificate does so after the client has finished its side of the
        // handshake: the client only sees the connection close before the first HTTP/2 frame. Having accepted the server's
        // certificate, that is the one refusal left.
        if (tls.ServerCertificateAccepted && HasHttpFailure(e.Status.DebugException))
        {
            return tls.ClientCertificate is null
                ? $"{where} refused the TLS connection: it requires a client certificate and the config gives none (set client-certificate and client-key)"
                : $"{where} refused the TLS connection: it did not accept the client certificate '{tls.ClientCertificate.Subject}' issued by '{tls.ClientCertificate.Issuer}' ({cluster.ClientCertificate})";
        }
        return null;
    }

    private static bool HasHttpFailure(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException or IOException) return true;
        }
        return false;
    }
}
