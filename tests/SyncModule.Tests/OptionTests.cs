using Federation.SyncModule.Sender;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class OptionTests
{
    [Test]
    public async Task Compressible_data_is_sent_compressed_and_arrives_identical()
    {
        using var source = new TempDirectory();
        TestFiles.WriteCompressible(source.Combine("heap.img"), 16 << 20);
        await using var receiver = await RunningReceiver.StartAsync();

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/z"));

        Assert.That(result.CompressionRatio, Is.LessThan(0.3));
        Assert.That(result.WireBytes, Is.LessThan(result.TotalBytes / 3));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/z"));
    }

    [Test]
    public async Task Compression_can_be_turned_off()
    {
        using var source = new TempDirectory();
        TestFiles.WriteCompressible(source.Combine("heap.img"), 1 << 20);
        await using var receiver = await RunningReceiver.StartAsync();

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/z"),
            new SyncSendOptions { CompressionLevel = 0 });

        Assert.That(result.CompressionRatio, Is.EqualTo(1.0));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/z"));
    }

    [Test]
    public async Task The_bandwidth_limit_paces_the_transfer()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("x.bin"), 3 << 20, 1);
        await using var receiver = await RunningReceiver.StartAsync();

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/slow"),
            new SyncSendOptions { BandwidthLimitBytesPerSecond = 4 << 20, CompressionLevel = 0 });

        // 3 MiB at 4 MiB/s with a 0.2 MiB burst: at least ~0.7 s.
        Assert.That(result.Duration, Is.GreaterThan(TimeSpan.FromSeconds(0.6)));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/slow"));
    }

    [TestCase(1)]
    [TestCase(8)]
    public async Task Many_files_arrive_over_any_number_of_parallel_streams(int streams)
    {
        using var source = new TempDirectory();
        for (var i = 0; i < 60; i++) PageFiles.WriteRandom(source.Combine($"d{i % 5}", $"f{i}.bin"), i * 7919 % 300_000, i);
        await using var receiver = await RunningReceiver.StartAsync();

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/many"),
            new SyncSendOptions { ParallelStreams = streams, BlockSize = 64 << 10 });

        Assert.That(result.Files, Is.EqualTo(60));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/many"));
    }

    [Test]
    public void Invalid_options_are_refused_before_anything_is_sent()
    {
        Assert.That(() => new SyncSendOptions { ChunkSize = 5000 }.Validate(), Throws.InstanceOf<FederationException>());
        Assert.That(() => new SyncSendOptions { ParallelStreams = 0 }.Validate(), Throws.InstanceOf<FederationException>());
        Assert.That(() => new SyncSendOptions { BlockSize = 1024 }.Validate(), Throws.InstanceOf<FederationException>());
    }
}
