using Federation.Common;
using Federation.SyncModule.Sender;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class CorruptionTests
{
    [Test]
    public async Task A_chunk_corrupted_in_flight_is_rejected_not_written_and_sent_again()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("pages-1.img"), 4 << 20, 5);
        await using var receiver = await RunningReceiver.StartAsync();
        var flipper = new ByteFlipper(blocksToCorrupt: 1);

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel.Intercept(flipper), source.Path,
            receiver.Tokens.IssueToken("app/cp1"), new SyncSendOptions { CompressionLevel = 0 });

        Assert.That(flipper.Corrupted, Is.EqualTo(1));
        Assert.That(receiver.Stats.ChunksRejected, Is.EqualTo(1), "exactly the chunk holding the flipped byte");
        Assert.That(result.ChunksResent, Is.EqualTo(1));
        Assert.That(result.SentBytes, Is.EqualTo((4 << 20) + 4096));
        Assert.That(TestFiles.Sha256(receiver.PathOf("app/cp1/pages-1.img")), Is.EqualTo(TestFiles.Sha256(source.Combine("pages-1.img"))));
    }

    [TestCase(SyncCodec.Lz4)]
    [TestCase(SyncCodec.Zstd)]
    public async Task A_compressed_block_corrupted_in_flight_is_rejected_and_sent_again(SyncCodec codec)
    {
        using var source = new TempDirectory();
        TestFiles.WriteCompressible(source.Combine("heap.img"), 2 << 20);
        await using var receiver = await RunningReceiver.StartAsync();
        var flipper = new ByteFlipper(blocksToCorrupt: 1);

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel.Intercept(flipper), source.Path,
            receiver.Tokens.IssueToken("app/cp1"), new SyncSendOptions { Codec = codec });

        Assert.That(receiver.Stats.ChunksRejected, Is.GreaterThan(0));
        Assert.That(result.ChunksResent, Is.EqualTo(receiver.Stats.ChunksRejected));
        Assert.That(TestFiles.Sha256(receiver.PathOf("app/cp1/heap.img")), Is.EqualTo(TestFiles.Sha256(source.Combine("heap.img"))));
    }

    [Test]
    public async Task A_chunk_corrupted_every_time_fails_the_transfer_and_leaves_no_file_under_its_final_name()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("pages-1.img"), 64 << 10, 6);
        await using var receiver = await RunningReceiver.StartAsync();

        var e = Assert.ThrowsAsync<FederationException>(() => new SyncSender().SendDirectoryAsync(
            receiver.Channel.Intercept(new ByteFlipper(blocksToCorrupt: int.MaxValue)), source.Path, receiver.Tokens.IssueToken("app/cp1"),
            new SyncSendOptions { CompressionLevel = 0, MaxAttempts = 1 }));

        Assert.That(e!.Error, Is.EqualTo(FederationError.Aborted));
        Assert.That(File.Exists(receiver.PathOf("app/cp1/pages-1.img")), Is.False);
    }

    /// <summary>Flips one byte in the data of the first <c>blocksToCorrupt</c> chunk blocks a sender pushes.</summary>
    private sealed class ByteFlipper(int blocksToCorrupt) : Interceptor
    {
        private int corrupted;

        public int Corrupted => Volatile.Read(ref corrupted);

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
            ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
        {
            var call = continuation(context);
            if (context.Method.Name != "Push") return call;
            return new AsyncDuplexStreamingCall<TRequest, TResponse>(
                new FlippingWriter<TRequest>(call.RequestStream, this), call.ResponseStream, call.ResponseHeadersAsync,
                call.GetStatus, call.GetTrailers, call.Dispose);
        }

        private bool TakeOne() => Interlocked.Increment(ref corrupted) <= blocksToCorrupt || Interlocked.Decrement(ref corrupted) < 0;

        private sealed class FlippingWriter<T>(IClientStreamWriter<T> inner, ByteFlipper owner) : IClientStreamWriter<T>
        {
            public WriteOptions? WriteOptions { get => inner.WriteOptions; set => inner.WriteOptions = value; }

            public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

            public Task WriteAsync(T message, CancellationToken cancellationToken)
            {
                if (message is PushMessage { PartCase: PushMessage.PartOneofCase.Block } push && owner.TakeOne())
                {
                    var bytes = push.Block.Data.ToByteArray();
                    bytes[bytes.Length / 2] ^= 0x5A;
                    var copy = push.Clone();
                    copy.Block.Data = ByteString.CopyFrom(bytes);
                    return inner.WriteAsync((T)(object)copy, cancellationToken);
                }
                return inner.WriteAsync(message, cancellationToken);
            }

            public Task CompleteAsync() => inner.CompleteAsync();
        }
    }
}
