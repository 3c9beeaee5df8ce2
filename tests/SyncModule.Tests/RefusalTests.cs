using Federation.Common;
using Federation.SyncModule.Sender;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class RefusalTests
{
    [Test]
    public async Task A_wrong_token_is_refused_with_PermissionDenied_and_nothing_is_written()
    {
        using var source = SmallSource();
        await using var receiver = await RunningReceiver.StartAsync();
        receiver.Tokens.IssueToken("app/cp1");

        var e = Assert.ThrowsAsync<FederationException>(() =>
            new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, "not-the-token"));

        Assert.That(e!.Error, Is.EqualTo(FederationError.PermissionDenied));
        Assert.That(Directory.Exists(receiver.PathOf("app")), Is.False);
    }

    [Test]
    public async Task A_used_token_is_refused_with_PermissionDenied()
    {
        using var source = SmallSource();
        await using var receiver = await RunningReceiver.StartAsync();
        var token = receiver.Tokens.IssueToken("app/cp1");
        await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, token);

        var e = Assert.ThrowsAsync<FederationException>(() => new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, token));

        Assert.That(e!.Error, Is.EqualTo(FederationError.PermissionDenied));
    }

    [TestCase("../escape.txt")]
    [TestCase("/tmp/escape.txt")]
    [TestCase("a/../../escape.txt")]
    [TestCase("a/./b.txt")]
    [TestCase("a//b.txt")]
    public async Task A_path_leaving_the_target_is_refused_with_InvalidArgument_and_nothing_is_written(string path)
    {
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);
        var token = receiver.Tokens.IssueToken("app/cp1");

        var e = Assert.ThrowsAsync<RpcException>(() => OfferAsync(client, token, new ManifestEntry
        {
            Path = path, Kind = EntryKind.File, Mode = 0x1A4, Size = 3,
            FileDigest = ByteString.CopyFrom(new byte[16]), ChunkDigests = ByteString.CopyFrom(new byte[16]),
        }));

        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(e.Status.Detail, Does.Not.Contain("\n"));
        Assert.That(Directory.EnumerateFileSystemEntries(receiver.Root), Is.Empty);
        Assert.That(File.Exists(Path.Join(Path.GetDirectoryName(receiver.Root), "escape.txt")), Is.False);
    }

    [TestCase("../../outside")]
    [TestCase("/etc/passwd")]
    [TestCase("sub/../../x")]
    public async Task A_symlink_leaving_the_target_is_refused_with_InvalidArgument(string linkTarget)
    {
        using var source = SmallSource();
        File.CreateSymbolicLink(source.Combine("evil"), linkTarget);
        await using var receiver = await RunningReceiver.StartAsync();

        var e = Assert.ThrowsAsync<FederationException>(() =>
            new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp1")));

        Assert.That(e!.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(Directory.Exists(receiver.PathOf("app")), Is.False);
    }

    [Test]
    public async Task A_symlink_already_on_the_receiver_is_not_followed()
    {
        using var source = SmallSource();
        using var outside = new TempDirectory("fedsync-outside");
        await using var receiver = await RunningReceiver.StartAsync();
        Directory.CreateDirectory(receiver.PathOf("app/cp1"));
        File.CreateSymbolicLink(receiver.PathOf("app/cp1/sub"), outside.Path);

        var e = Assert.ThrowsAsync<FederationException>(() =>
            new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp1")));

        Assert.That(e!.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(Directory.EnumerateFileSystemEntries(outside.Path), Is.Empty);
    }

    [Test]
    public async Task An_oversized_manifest_is_refused_with_InvalidArgument_and_nothing_is_written()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("big.bin"), 4 << 20, 1);
        await using var receiver = await RunningReceiver.StartAsync(o => o.Receiver.MaxManifestBytes = 8 << 10);

        var e = Assert.ThrowsAsync<FederationException>(() =>
            new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp1")));

        Assert.That(e!.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(e.Message, Does.Contain("manifest exceeds"));
        Assert.That(Directory.EnumerateFileSystemEntries(receiver.Root), Is.Empty);
    }

    [Test]
    public async Task Too_many_entries_or_bytes_are_refused_with_InvalidArgument()
    {
        using var source = SmallSource();
        await using var fewEntries = await RunningReceiver.StartAsync(o => o.Receiver.MaxEntries = 1);
        await using var fewBytes = await RunningReceiver.StartAsync(o => o.Receiver.MaxTotalBytes = 100);

        var entries = Assert.ThrowsAsync<FederationException>(() =>
            new SyncSender().SendDirectoryAsync(fewEntries.Channel, source.Path, fewEntries.Tokens.IssueToken("app/cp1")));
        var bytes = Assert.ThrowsAsync<FederationException>(() =>
            new SyncSender().SendDirectoryAsync(fewBytes.Channel, source.Path, fewBytes.Tokens.IssueToken("app/cp1")));

        Assert.That(entries!.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(bytes!.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(Directory.EnumerateFileSystemEntries(fewEntries.Root), Is.Empty);
        Assert.That(Directory.EnumerateFileSystemEntries(fewBytes.Root), Is.Empty);
    }

    [Test]
    public void A_token_for_a_path_outside_the_root_cannot_be_issued()
    {
        var issuer = new Receiver.SyncTokenIssuer(new Receiver.SyncReceiverOptions { RootDirectory = "/tmp/x" }, TimeProvider.System);

        Assert.That(() => issuer.IssueToken("../other"), Throws.InstanceOf<FederationException>());
        Assert.That(() => issuer.IssueToken("/abs"), Throws.InstanceOf<FederationException>());
        Assert.That(() => issuer.IssueToken(".fedsync/index"), Throws.InstanceOf<FederationException>());
    }

    private static TempDirectory SmallSource()
    {
        var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("a.bin"), 1000, 1);
        PageFiles.WriteRandom(source.Combine("sub/b.bin"), 1000, 2);
        return source;
    }

    private static async Task OfferAsync(Sync.SyncClient client, string token, ManifestEntry entry)
    {
        using var call = client.Offer(deadline: DateTime.UtcNow.AddSeconds(30));
        await call.RequestStream.WriteAsync(new OfferPart { Header = new OfferHeader { Token = token, ChunkSize = 4096, EntryCount = 1, TotalBytes = entry.Size } });
        await call.RequestStream.WriteAsync(new OfferPart { Entry = entry });
        await call.RequestStream.WriteAsync(new OfferPart { End = new OfferEnd() });
        await call.RequestStream.CompleteAsync();
        await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
    }
}
