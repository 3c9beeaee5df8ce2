using Federation.SyncModule.Sender;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class RoundTripTests
{
    private const int Chunk = 4096;

    [TestCase(0, TestName = "empty file")]
    [TestCase(1, TestName = "one byte")]
    [TestCase(Chunk, TestName = "exactly one chunk")]
    [TestCase(Chunk + 1, TestName = "one chunk and one byte")]
    [TestCase(3 * 512 * 1024 + 17, TestName = "several blocks")]
    public async Task A_file_arrives_byte_identical(int size)
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("file.bin"), size, seed: size);
        await using var receiver = await RunningReceiver.StartAsync();

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp1"));

        Assert.That(TestFiles.Sha256(receiver.PathOf("app/cp1/file.bin")), Is.EqualTo(TestFiles.Sha256(source.Combine("file.bin"))));
        Assert.That(result.TotalBytes, Is.EqualTo(size));
        Assert.That(result.SentBytes, Is.EqualTo(size));
        Assert.That(result.SkippedBytes, Is.Zero);
    }

    [Test]
    public async Task Nested_directories_empty_directories_modes_and_inside_symlinks_are_kept()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("a/b/c/deep.bin"), 10_000, 1);
        PageFiles.WriteRandom(source.Combine("a/top.bin"), 5, 2);
        PageFiles.WriteRandom(source.Combine("exec.sh"), 100, 3);
        Directory.CreateDirectory(source.Combine("empty/also-empty"));
        File.SetUnixFileMode(source.Combine("exec.sh"), (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(source.Combine("a/top.bin"), (UnixFileMode)0b100_000_000);
        File.SetUnixFileMode(source.Combine("empty"), (UnixFileMode)0b111_000_000);
        File.CreateSymbolicLink(source.Combine("a/link-to-deep"), "b/c/deep.bin");
        await using var receiver = await RunningReceiver.StartAsync();

        await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp1"));

        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/cp1"));
        Assert.That(Directory.GetFiles(receiver.PathOf("app/cp1"), ".fedsync*", SearchOption.AllDirectories), Is.Empty, "no partial file is left");
    }

    [Test]
    public async Task A_256_MiB_random_file_arrives_byte_identical_with_progress_reported()
    {
        using var source = new TempDirectory();
        const long size = 256L << 20;
        PageFiles.WriteRandom(source.Combine("pages-1.img"), size, 42);
        await using var receiver = await RunningReceiver.StartAsync();
        var reports = new List<SyncProgress>();
        var progress = new SynchronousProgress<SyncProgress>(p => { lock (reports) reports.Add(p); });

        var result = await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/big"),
            new SyncSendOptions { ProgressInterval = TimeSpan.FromMilliseconds(50) }, progress);

        Assert.That(TestFiles.Sha256(receiver.PathOf("app/big/pages-1.img")), Is.EqualTo(TestFiles.Sha256(source.Combine("pages-1.img"))));
        Assert.That(result.SentBytes, Is.EqualTo(size));
        Assert.That(result.CompressionRatio, Is.EqualTo(1.0).Within(0.01), "random data does not shrink and goes out raw");
        Assert.That(result.Duration, Is.LessThan(TimeSpan.FromSeconds(20)));
        Assert.That(reports.Last().Phase, Is.EqualTo(SyncPhase.Done));
        Assert.That(reports.Last().SentBytes, Is.EqualTo(size));
        Assert.That(reports.Any(r => r.Phase == SyncPhase.Sending && r.SentBytes > 0 && r.SentBytes < size && r.BytesPerSecond > 0),
            "intermediate progress with a rate was reported");
    }
}
