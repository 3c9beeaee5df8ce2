using Federation.SyncModule.Sender;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class DeltaTests
{
    [Test]
    public async Task A_second_round_with_1_percent_of_pages_changed_sends_at_most_5_percent()
    {
        using var source = new TempDirectory();
        const long size = 128L << 20;
        var pages = source.Combine("pages-1.img");
        PageFiles.WriteRandom(pages, size, 7);
        PageFiles.WriteRandom(source.Combine("core-1.img"), 20_000, 8);
        await using var receiver = await RunningReceiver.StartAsync();
        var sender = new SyncSender();

        var first = await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/round-1"));
        var changed = PageFiles.DirtyPages(pages, 0.01, 9);
        var second = await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/round-2"));

        TestContext.Out.WriteLine($"round 1: {first}");
        TestContext.Out.WriteLine($"round 2 ({changed} pages changed): {second}");
        Assert.That(first.SentBytes, Is.EqualTo(first.TotalBytes));
        Assert.That(second.WireBytes, Is.LessThanOrEqualTo(second.TotalBytes * 5 / 100), "chunk data and manifest together");
        Assert.That(second.SentBytes, Is.EqualTo(changed * 4096L), "exactly the changed pages");
        Assert.That(second.SkippedBytes, Is.EqualTo(second.TotalBytes - second.SentBytes));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/round-2"));
        Assert.That(TestFiles.Sha256(receiver.PathOf("app/round-1/pages-1.img")), Is.Not.EqualTo(TestFiles.Sha256(pages)),
            "the first round's files stay as they were");
    }

    [Test]
    public async Task Chunks_repeated_inside_one_transfer_are_sent_once()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("a.bin"), 1 << 20, 1);
        Directory.CreateDirectory(source.Combine("copy"));
        File.Copy(source.Combine("a.bin"), source.Combine("copy", "b.bin"));
        await using var receiver = await RunningReceiver.StartAsync();

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/dup"));

        Assert.That(result.SentBytes, Is.EqualTo(1 << 20));
        Assert.That(result.SkippedBytes, Is.EqualTo(1 << 20));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/dup"));
    }

    [Test]
    public async Task Sending_the_same_directory_again_sends_no_chunk()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("x.bin"), 3 << 20, 1);
        await using var receiver = await RunningReceiver.StartAsync();
        var sender = new SyncSender();

        await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/one"));
        var again = await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/one"));

        Assert.That(again.SentBytes, Is.Zero);
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/one"));
    }

    [Test]
    public async Task A_larger_chunk_size_works_and_a_round_with_another_chunk_size_still_arrives_whole()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("x.bin"), (5 << 20) + 123, 1);
        await using var receiver = await RunningReceiver.StartAsync();
        var sender = new SyncSender();

        var big = await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/r1"),
            new SyncSendOptions { ChunkSize = 64 << 10, BlockSize = 1 << 20 });
        PageFiles.DirtyPages(source.Combine("x.bin"), 0.001, 2);
        var small = await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/r2"));

        Assert.That(big.SentBytes, Is.EqualTo(big.TotalBytes));
        Assert.That(small.SentBytes, Is.EqualTo(small.TotalBytes), "an index of another chunk size is not used");
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/r2"));
    }
}
