using Grpc.Core;

namespace Federation.Common.Auth;

/// <summary>A server refuses, with <c>Unauthenticated</c>, every call that does not carry its bearer credential.</summary>
/// <param name="who">What the server is, for the one-line refusal ("the Engine").</param>
public sealed class BearerTokenInterceptor(string token, string who) : AdmissionInterceptor
{
    protected override void Admit(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue(BearerToken.Header);
        if (BearerToken.Matches(header, token)) return;
        throw new RpcException(new Status(StatusCode.Unauthenticated,
            header is null ? $"{who} accepts only calls with its credential: none was given" : $"{who} accepts only calls with its credential: the one given is wrong"));
    }
}
