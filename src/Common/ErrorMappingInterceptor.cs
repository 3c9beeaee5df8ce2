using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Federation.Common;

/// <summary>
/// Turns <see cref="FederationException"/> into a gRPC status with its one-line message, and any
/// other exception into <c>Internal</c> with a one-line summary (the stack goes to the log only).
/// </summary>
public sealed partial class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(requestStream, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(requestStream, responseStream, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        if (e is FederationException fe)
        {
            var detail = OneLine(fe.Message);
            LogRefused(logger, context.Method, fe.Error, detail);
            return new RpcException(new Status(ToStatusCode(fe.Error), detail));
        }
        if (e is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
        }
        LogFailed(logger, context.Method, e);
        return new RpcException(new Status(StatusCode.Internal, OneLine($"{context.Method} failed: {e.Message}")));
    }

    public static StatusCode ToStatusCode(FederationError error) => error switch
    {
        FederationError.InvalidArgument => StatusCode.InvalidArgument,
        FederationError.NotFound => StatusCode.NotFound,
        FederationError.AlreadyExists => StatusCode.AlreadyExists,
        FederationError.FailedPrecondition => StatusCode.FailedPrecondition,
        FederationError.Aborted => StatusCode.Aborted,
        FederationError.Unavailable => StatusCode.Unavailable,
        FederationError.PermissionDenied => StatusCode.PermissionDenied,
        FederationError.ResourceExhausted => StatusCode.ResourceExhausted,
        _ => StatusCode.Internal,
    };

    /// <summary>
    /// A message as a status detail or a log line: trimmed, every control character shown as an escape (ESC as
    /// <c>\x1b</c>, a line break inside as <c>\n</c>; see <see cref="Names.Printable"/>), so it is one line that cannot
    /// steer a terminal, and at most 300 characters.
    /// </summary>
    public static string OneLine(string? message) => Names.Escape((message ?? "").Trim(), 300);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} refused ({Error}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, FederationError error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed")]
    private static partial void LogFailed(ILogger logger, string method, Exception exception);
}
