using Federation.Common;
using Federation.Common.Auth;
using Federation.Coordinator.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Auth;

/// <summary>
/// Decides from a call's metadata who is calling: an operator (<c>authorization: Bearer</c> with the operator token) or a
/// configured peer (<c>federation-peer: NAME</c> with the secret shared with NAME, compared in constant time). No or a wrong
/// credential is <c>Unauthenticated</c>; the right credential on the other API is <c>PermissionDenied</c>. Under --insecure
/// everyone is admitted and a peer is whoever it claims to be.
/// </summary>
public sealed partial class CallAuthenticator(CoordinatorCredentials credentials, IOptions<CoordinatorOptions> options, ILogger<CallAuthenticator> logger)
{
    private string Cluster => options.Value.Cluster;

    /// <exception cref="RpcException">The caller is not an operator.</exception>
    public void AdmitOperator(ServerCallContext context)
    {
        if (credentials.Insecure) return;
        var headers = context.RequestHeaders;
        var authorization = headers.GetValue(BearerToken.Header);
        if (headers.GetValue(PeerMetadata.Header) is { } peer)
            throw Refuse(context, StatusCode.PermissionDenied,
                $"peer '{VerifiedPeer(context, peer, authorization)}' may not call the operator API of cluster '{Cluster}' (operators only)");
        if (authorization is null)
            throw Refuse(context, StatusCode.Unauthenticated, $"cluster '{Cluster}' serves its operator API to operators only: the call carries no operator token");
        if (!BearerToken.Matches(authorization, credentials.OperatorToken))
            throw Refuse(context, StatusCode.Unauthenticated, $"cluster '{Cluster}' serves its operator API to operators only: the operator token given is wrong");
    }

    /// <summary>Fills <paramref name="caller"/> with the peer behind the call.</summary>
    /// <exception cref="RpcException">The caller is not a configured peer.</exception>
    public void AdmitPeer(ServerCallContext context, PeerCaller caller)
    {
        var headers = context.RequestHeaders;
        var peer = headers.GetValue(PeerMetadata.Header);
        if (credentials.Insecure)
        {
            caller.AdmitClaimed(peer is not null && Names.IsAppName(peer) ? peer : null);
            return;
        }
        var authorization = headers.GetValue(BearerToken.Header);
        if (peer is null)
        {
            if (authorization is not null && BearerToken.Matches(authorization, credentials.OperatorToken))
                throw Refuse(context, StatusCode.PermissionDenied, $"the operator token does not admit to the peer API of cluster '{Cluster}' (configured peers only)");
            throw Refuse(context, StatusCode.Unauthenticated, authorization is null
                ? $"cluster '{Cluster}' serves its peer API to configured peers only: the call carries no peer credential ({PeerMetadata.Header} and the shared secret)"
                : $"cluster '{Cluster}' serves its peer API to configured peers only: the call does not say which peer it is ({PeerMetadata.Header})");
        }
        caller.AdmitProven(VerifiedPeer(context, peer, authorization));
    }

    private string VerifiedPeer(ServerCallContext context, string peer, string? authorization)
    {
        if (credentials.SecretOf(peer) is not { } secret)
            throw Refuse(context, StatusCode.Unauthenticated, $"'{Names.Escape(peer, 64)}' is not a peer of cluster '{Cluster}'");
        if (authorization is null)
            throw Refuse(context, StatusCode.Unauthenticated, $"peer '{peer}' gave no secret to cluster '{Cluster}'");
        if (!BearerToken.Matches(authorization, secret))
            throw Refuse(context, StatusCode.Unauthenticated, $"the secret peer '{peer}' gave to cluster '{Cluster}' is wrong");
        return peer;
    }

    private RpcException Refuse(ServerCallContext context, StatusCode code, string reason)
    {
        LogRefused(logger, context.Method, code, reason);
        return new RpcException(new Status(code, reason));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} refused ({Code}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, StatusCode code, string reason);
}
