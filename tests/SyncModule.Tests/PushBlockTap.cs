using Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federation.SyncModule.Tests;

/// <summary>
/// Watches the chunk blocks a sender pushes: counts them and their runs, and flips one byte in the
/// middle of the data of the first <paramref name="blocksToCorrupt"/> of them (a corruption in flight).
/// </summary>
internal sealed class PushBlockTap(int blocksToCorrupt = 0) : Interceptor
{
    private int blocks;
    private int corrupted;
    private int maxRuns;

    public int Blocks => Volatile.Read(ref blocks);
    public int Corrupted => Volatile.Read(ref corrupted);
    public int MaxRunsPerBlock => Volatile.Read(ref maxRuns);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        if (context.Method.Name != "Push") return call;
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            new TappingWriter<TRequest>(call.RequestStream, this), call.ResponseStream, call.ResponseHeadersAsync,
            call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private PushMessage Observe(PushMessage push)
    {
        var number = Interlocked.Increment(ref blocks);
        lock (this) maxRuns = Math.Max(maxRuns, push.Block.Runs.Count);
        if (number > blocksToCorrupt) return push;
        Interlocked.Increment(ref corrupted);
        var bytes = push.Block.Data.ToByteArray();
        bytes[bytes.Length / 2] ^= 0x5A;
        var copy = push.Clone();
        copy.Block.Data = ByteString.CopyFrom(bytes);
        return copy;
    }

    private sealed class TappingWriter<T>(IClientStreamWriter<T> inner, PushBlockTap owner) : IClientStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get => inner.WriteOptions; set => inner.WriteOptions = value; }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(T message, CancellationToken cancellationToken) =>
            message is PushMessage { PartCase: PushMessage.PartOneofCase.Block } push
                ? inner.WriteAsync((T)(object)owner.Observe(push), cancellationToken)
                : inner.WriteAsync(message, cancellationToken);

        public Task CompleteAsync() => inner.CompleteAsync();
    }
}
