using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federation.Common.Auth;

/// <summary>A server refuses, with <c>Unauthenticated</c>, every call that does not carry its bearer credential.</summary>
/// <param name="who">What the server is, for the one-line refusal ("the Engine").</param>
public sealed class BearerTokenInterceptor(string token, string who) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue(BearerToken.Header);
        if (BearerToken.Matches(header, token)) return;
        throw new RpcException(new Status(StatusCode.Unauthenticated,
            header is null ? $"{who} accepts only calls with its credential: none was given" : $"{who} accepts only calls with its credential: the one given is wrong"));
    }
}
