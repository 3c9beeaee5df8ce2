using Federation.Common;
using Federation.SyncModule.Sender;
using Federation.V1;
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
        var flipper = new PushBlockTap(blocksToCorrupt: 1);

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
        var flipper = new PushBlockTap(blocksToCorrupt: 1);

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
            receiver.Channel.Intercept(new PushBlockTap(blocksToCorrupt: int.MaxValue)), source.Path, receiver.Tokens.IssueToken("app/cp1"),
            new SyncSendOptions { CompressionLevel = 0, MaxAttempts = 1 }));

        Assert.That(e!.Error, Is.EqualTo(FederationError.Aborted));
        Assert.That(File.Exists(receiver.PathOf("app/cp1/pages-1.img")), Is.False);
    }
}
