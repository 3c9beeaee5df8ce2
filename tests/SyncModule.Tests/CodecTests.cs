using Federation.SyncModule.Sender;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class CodecTests
{
    [TestCase(SyncCodec.Lz4)]
    [TestCase(SyncCodec.Zstd)]
    public async Task Each_codec_sends_compressible_data_in_fewer_wire_bytes_and_it_arrives_identical(SyncCodec codec)
    {
        using var source = new TempDirectory();
        TestFiles.WriteCompressible(source.Combine("heap.img"), 8 << 20);
        PageFiles.WriteRandom(source.Combine("pages-1.img"), 2 << 20, 11);
        await using var receiver = await RunningReceiver.StartAsync();

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/c"),
            new SyncSendOptions { Codec = codec });

        Assert.That(result.CompressionRatio, Is.LessThan(0.5));
        Assert.That(result.WireBytes, Is.LessThan(result.SentBytes * 6 / 10), "the compressible file shrinks, the random one goes out raw");
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/c"));
    }

    [Test]
    public async Task Codec_none_sends_every_block_raw()
    {
        using var source = new TempDirectory();
        TestFiles.WriteCompressible(source.Combine("heap.img"), 1 << 20);
        await using var receiver = await RunningReceiver.StartAsync();

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/c"),
            new SyncSendOptions { Codec = SyncCodec.None });

        Assert.That(result.CompressionRatio, Is.EqualTo(1.0));
        Assert.That(result.WireBytes, Is.GreaterThanOrEqualTo(result.SentBytes));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/c"));
    }
}
