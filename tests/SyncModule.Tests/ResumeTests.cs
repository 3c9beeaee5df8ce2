using Federation.SyncModule.Sender;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class ResumeTests
{
    private const long Size = 64L << 20;

    [Test]
    public async Task A_connection_cut_in_the_middle_is_resumed_and_only_the_remainder_is_sent()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("pages-1.img"), Size, 11);
        await using var receiver = await RunningReceiver.StartAsync();
        await using var proxy = new CuttingProxy(receiver.Host.Endpoint, cutAfterBytes: 40L << 20);
        using var channel = SyncChannelFactory.Create(proxy.Endpoint);

        var result = await new SyncSender().SendDirectoryAsync(channel, source.Path, receiver.Tokens.IssueToken("app/cut"),
            new SyncSendOptions { RetryDelay = TimeSpan.FromMilliseconds(20) });

        TestContext.Out.WriteLine(result);
        Assert.That(proxy.Cut, Is.True, "the proxy cut the first connection");
        Assert.That(result.Attempts, Is.GreaterThanOrEqualTo(2));
        // A restart from zero would send 64 MiB after the ~40 MiB that crossed before the cut.
        Assert.That(result.SentBytes, Is.LessThan(Size + (16L << 20)));
        Assert.That(TestFiles.Sha256(receiver.PathOf("app/cut/pages-1.img")), Is.EqualTo(TestFiles.Sha256(source.Combine("pages-1.img"))));
    }

    [Test]
    public async Task A_cancelled_transfer_started_again_with_a_new_token_sends_only_what_was_not_verified()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("pages-1.img"), Size, 12);
        PageFiles.WriteRandom(source.Combine("pages-2.img"), 1 << 20, 13);
        await using var receiver = await RunningReceiver.StartAsync();
        var sender = new SyncSender();
        using var cancel = new CancellationTokenSource();
        var cancelAt = Size / 2;
        var progress = new SynchronousProgress<SyncProgress>(p =>
        {
            if (p.SentBytes >= cancelAt) cancel.Cancel();
        });

        Assert.That(async () => await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp"),
                new SyncSendOptions { ProgressInterval = TimeSpan.Zero, ParallelStreams = 1 }, progress, cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(File.Exists(receiver.PathOf("app/cp/pages-1.img")), Is.False, "nothing unverified under its final name");
        var verifiedBeforeRetry = receiver.Stats.BytesReceived;

        var retry = await sender.SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp"));

        TestContext.Out.WriteLine($"received before the retry: {verifiedBeforeRetry}; retry: {retry}");
        Assert.That(verifiedBeforeRetry, Is.GreaterThan(Size / 4));
        Assert.That(retry.SkippedBytes, Is.GreaterThanOrEqualTo(verifiedBeforeRetry - (1L << 20)), "the partial file was adopted");
        Assert.That(retry.SentBytes, Is.EqualTo(retry.TotalBytes - retry.SkippedBytes));
        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/cp"));
    }
}
