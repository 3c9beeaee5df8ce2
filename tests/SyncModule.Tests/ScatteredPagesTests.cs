using Federation.SyncModule.Sender;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class ScatteredPagesTests
{
    [Test]
    public async Task Scattered_changed_pages_share_blocks_and_arrive_identical()
    {
        using var source = new TempDirectory();
        var pages = source.Combine("pages-1.img");
        PageFiles.WriteRandom(pages, 32 << 20, 21);
        PageFiles.WriteRandom(source.Combine("pages-2.img"), 4 << 20, 22);
        await using var receiver = await RunningReceiver.StartAsync();
        var sender = new SyncSender();
        await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/round-1"));
        var changed = PageFiles.DirtyPages(pages, 0.05, 23) + PageFiles.DirtyPages(source.Combine("pages-2.img"), 0.05, 24);
        var counter = new BlockTap(corruptFirst: false);

        var second = await sender.SendDirectoryAsync(receiver.Channel.Intercept(counter), source.Path,
            receiver.Tokens.IssueToken("app/round-2"), new SyncSendOptions { CompressionLevel = 0 });

        Assert.That(second.SentBytes, Is.EqualTo(changed * 4096L), "exactly the changed pages");
        Assert.That(counter.Blocks, Is.LessThan(changed / 8), $"{changed} pages in {counter.Blocks} blocks");
        Assert.That(counter.MaxRunsPerBlock, Is.GreaterThan(1));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/round-2"));
    }

    [Test]
    public async Task A_corrupted_byte_in_a_block_of_many_runs_rejects_only_its_chunk()
    {
        using var source = new TempDirectory();
        var pages = source.Combine("pages-1.img");
        PageFiles.WriteRandom(pages, 8 << 20, 31);
        await using var receiver = await RunningReceiver.StartAsync();
        var sender = new SyncSender();
        await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/round-1"));
        var changed = PageFiles.DirtyPages(pages, 0.1, 32);
        var flipper = new BlockTap(corruptFirst: true);

        var second = await sender.SendDirectoryAsync(receiver.Channel.Intercept(flipper), source.Path,
            receiver.Tokens.IssueToken("app/round-2"), new SyncSendOptions { CompressionLevel = 0 });

        Assert.That(flipper.MaxRunsPerBlock, Is.GreaterThan(1));
        Assert.That(receiver.Stats.ChunksRejected, Is.EqualTo(1), "exactly the chunk holding the flipped byte");
        Assert.That(second.ChunksResent, Is.EqualTo(1));
        Assert.That(second.SentBytes, Is.EqualTo((changed + 1) * 4096L));
        Assert.That(TestFiles.Sha256(receiver.PathOf("app/round-2/pages-1.img")), Is.EqualTo(TestFiles.Sha256(pages)));
    }

    /// <summary>Counts the chunk blocks a sender pushes; optionally flips one byte in the middle of the first.</summary>
    private sealed class BlockTap(bool corruptFirst) : Interceptor
    {
        private int blocks;
        private int maxRuns;

        public int Blocks => Volatile.Read(ref blocks);
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
            if (!corruptFirst || number != 1) return push;
            var bytes = push.Block.Data.ToByteArray();
            bytes[bytes.Length / 2] ^= 0x5A;
            var copy = push.Clone();
            copy.Block.Data = ByteString.CopyFrom(bytes);
            return copy;
        }

        private sealed class TappingWriter<T>(IClientStreamWriter<T> inner, BlockTap owner) : IClientStreamWriter<T>
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
}
