using Federation.SyncModule.Sender;
using Federation.V1;
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
        var counter = new PushBlockTap();

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
        var flipper = new PushBlockTap(blocksToCorrupt: 1);

        var second = await sender.SendDirectoryAsync(receiver.Channel.Intercept(flipper), source.Path,
            receiver.Tokens.IssueToken("app/round-2"), new SyncSendOptions { CompressionLevel = 0 });

        Assert.That(flipper.MaxRunsPerBlock, Is.GreaterThan(1));
        Assert.That(receiver.Stats.ChunksRejected, Is.EqualTo(1), "exactly the chunk holding the flipped byte");
        Assert.That(second.ChunksResent, Is.EqualTo(1));
        Assert.That(second.SentBytes, Is.EqualTo((changed + 1) * 4096L));
        Assert.That(TestFiles.Sha256(receiver.PathOf("app/round-2/pages-1.img")), Is.EqualTo(TestFiles.Sha256(pages)));
    }
}
