using System.Runtime.InteropServices;
using Federation.Common;
using Federation.SyncModule.Sender;
using Federation.V1;
using Grpc.Core;

namespace Federation.SyncModule.Tests;

/// <summary>
/// Symlinks are judged by where they really resolve (each one followed through the others of the
/// manifest and through those already on the receiver), not by their lexical form. Manifests are
/// written as "dir/" (a directory) and "path -> target" (a symlink).
/// </summary>
[TestFixture]
public sealed class SymlinkResolutionTests
{
    [TestCase("deep/", "deep/link -> ..", "up1 -> deep/link/..", "up2 -> up1/..", "up3 -> up2/..", "up4 -> up3/..",
        "up5 -> up4/..", "up6 -> up5/..", "up7 -> up6/..", "up8 -> up7/..", "up9 -> up8/..", "up10 -> up9/..",
        TestName = "a chain of relative symlinks up to /")]
    [TestCase("up2 -> up1/..", "up1 -> deep/link/..", "deep/link -> ..",
        TestName = "the chain with each link listed before the one it goes through")]
    [TestCase("a/b/c -> ../..", "x -> a/b/c/../..",
        TestName = "a link through a deeper link that points back up")]
    [TestCase("here -> .", "sub/up -> ../here/..",
        TestName = "a link through a link to '.'")]
    public async Task A_symlink_that_resolves_outside_through_other_symlinks_is_refused_and_nothing_escapes(params string[] manifest)
    {
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);

        var refusal = await RefusalOfAsync(() => SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), manifest));

        Assert.Multiple(() =>
        {
            Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(refusal?.Status.Detail ?? "", Does.Contain("outside the target directory"));
            Assert.That(EscapingLinks(receiver.PathOf("app/cp1")), Is.Empty);
        });
    }

    [TestCase("loop1 -> loop2", "loop2 -> loop1", TestName = "two symlinks pointing at each other")]
    [TestCase("self -> self/x", TestName = "a symlink through itself")]
    public async Task A_symlink_loop_is_refused(params string[] manifest)
    {
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);

        var refusal = await RefusalOfAsync(() => SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), manifest));

        Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(refusal?.Status.Detail ?? "", Does.Contain("symlinks"));
    }

    [Test]
    public async Task A_chain_of_more_than_40_symlinks_is_refused()
    {
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);
        var manifest = new List<string> { "l0 -> ." };
        for (var i = 1; i <= 41; i++) manifest.Add($"l{i} -> l{i - 1}");

        var refusal = await RefusalOfAsync(() => SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), [.. manifest]));

        Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
    }

    [Test]
    public async Task A_symlink_through_one_an_earlier_transfer_left_is_refused_when_it_leads_outside()
    {
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);
        await SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), ["deep/", "deep/link -> .."]);

        var refusal = await RefusalOfAsync(() => SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), ["up -> deep/link/.."]));

        Assert.Multiple(() =>
        {
            Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(EscapingLinks(receiver.PathOf("app/cp1")), Is.Empty);
        });
    }

    [Test]
    public async Task A_symlink_that_would_make_one_an_earlier_transfer_left_lead_outside_is_refused()
    {
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);
        await SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), ["old -> later/.."]);

        var refusal = await RefusalOfAsync(() => SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), ["later -> ."]));

        Assert.Multiple(() =>
        {
            Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(refusal?.Status.Detail ?? "", Does.Contain("'old' already on the receiver"));
            Assert.That(EscapingLinks(receiver.PathOf("app/cp1")), Is.Empty);
        });
    }

    [Test]
    public async Task Symlinks_are_judged_again_at_completion_against_what_appeared_on_disk_meanwhile()
    {
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);
        var transferId = await OfferAsync(client, receiver.Tokens.IssueToken("app/cp1"), ["deep/", "up -> deep/link/.."]);
        File.CreateSymbolicLink(receiver.PathOf("app/cp1/deep/link"), "..");

        var refusal = await RefusalOfAsync(() => CompleteAsync(client, transferId));

        Assert.Multiple(() =>
        {
            Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(File.Exists(receiver.PathOf("app/cp1/up")) || Directory.Exists(receiver.PathOf("app/cp1/up")), Is.False);
            Assert.That(EscapingLinks(receiver.PathOf("app/cp1")), Is.Empty);
        });
    }

    [Test]
    public async Task A_file_below_a_symlink_an_earlier_transfer_left_is_refused()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("in/f.bin"), 1000, 1);
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);
        await SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), ["deep/", "in -> deep"]);

        var e = Assert.ThrowsAsync<FederationException>(() =>
            new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp1")));

        Assert.That(e!.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(Directory.EnumerateFileSystemEntries(receiver.PathOf("app/cp1/deep")), Is.Empty);
    }

    [Test]
    public async Task Relative_symlinks_that_stay_inside_are_kept_whatever_their_lexical_form()
    {
        string[] manifest =
        [
            "m -> l/../..", // lexically above the target; really x/y/../.. = the target itself
            "deep/link -> ..",
            "in -> deep/link/deep",
            "x/y/",
            "l -> x/y",
            "self -> .",
            "dangling -> nowhere/file",
            "x/up -> ../deep/link/x",
        ];
        await using var receiver = await RunningReceiver.StartAsync();
        var client = new Sync.SyncClient(receiver.Channel);

        await SendAsync(client, receiver.Tokens.IssueToken("app/cp1"), manifest);

        var target = receiver.PathOf("app/cp1");
        foreach (var link in manifest.Where(e => e.Contains(" -> ")))
        {
            var (path, linkTarget) = (link.Split(" -> ")[0], link.Split(" -> ")[1]);
            Assert.That(new FileInfo(Path.Join(target, path)).LinkTarget, Is.EqualTo(linkTarget), path);
        }
        Assert.That(RealPath(Path.Join(target, "m")), Is.EqualTo(RealPath(target)));
        Assert.That(RealPath(Path.Join(target, "x/up")), Is.EqualTo(RealPath(Path.Join(target, "x"))));
        Assert.That(EscapingLinks(target), Is.Empty);
    }

    [Test]
    public async Task A_container_layer_with_relative_symlinks_arrives_whole()
    {
        using var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("usr/bin/busybox"), 5000, 1);
        PageFiles.WriteRandom(source.Combine("usr/lib/libc.so.6"), 3000, 2);
        File.CreateSymbolicLink(source.Combine("bin"), "usr/bin");
        File.CreateSymbolicLink(source.Combine("lib"), "usr/lib");
        File.CreateSymbolicLink(source.Combine("usr/bin/sh"), "busybox");
        File.CreateSymbolicLink(source.Combine("usr/bin/ls"), "../../bin/busybox");
        File.CreateSymbolicLink(source.Combine("usr/lib/libc.so"), "../../lib/libc.so.6");
        await using var receiver = await RunningReceiver.StartAsync();

        await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/cp1"));

        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/cp1"));
        Assert.That(EscapingLinks(receiver.PathOf("app/cp1")), Is.Empty);
    }

    /// <summary>Offers a manifest of directories and symlinks and completes the transfer.</summary>
    private static async Task SendAsync(Sync.SyncClient client, string token, string[] manifest) =>
        await CompleteAsync(client, await OfferAsync(client, token, manifest));

    /// <summary>Offers a manifest of directories and symlinks; returns the transfer id.</summary>
    private static async Task<string> OfferAsync(Sync.SyncClient client, string token, string[] manifest)
    {
        using var call = client.Offer(deadline: DateTime.UtcNow.AddSeconds(30));
        await call.RequestStream.WriteAsync(new OfferPart
        {
            Header = new OfferHeader { Token = token, ChunkSize = 4096, EntryCount = (uint)manifest.Length, TotalBytes = 0 },
        });
        foreach (var line in manifest) await call.RequestStream.WriteAsync(new OfferPart { Entry = EntryOf(line) });
        await call.RequestStream.WriteAsync(new OfferPart { End = new OfferEnd() });
        await call.RequestStream.CompleteAsync();
        var transferId = "";
        await foreach (var part in call.ResponseStream.ReadAllAsync())
            if (part.PartCase == NeedPart.PartOneofCase.Opened) transferId = part.Opened.TransferId;
        return transferId;
    }

    private static async Task CompleteAsync(Sync.SyncClient client, string transferId) =>
        await client.CompleteAsync(new CompleteRequest { TransferId = transferId }, deadline: DateTime.UtcNow.AddSeconds(30));

    private static ManifestEntry EntryOf(string line)
    {
        if (line.EndsWith('/')) return new ManifestEntry { Path = line.TrimEnd('/'), Kind = EntryKind.Directory, Mode = 0x1ED };
        var parts = line.Split(" -> ");
        return new ManifestEntry { Path = parts[0], Kind = EntryKind.Symlink, Mode = 0x1FF, LinkTarget = parts[1] };
    }

    private static async Task<RpcException?> RefusalOfAsync(Func<Task> send)
    {
        try
        {
            await send();
            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    /// <summary>Every symlink below <paramref name="directory"/> (never followed) that the kernel resolves to a place outside it.</summary>
    private static List<string> EscapingLinks(string directory)
    {
        var escaping = new List<string>();
        if (!Directory.Exists(directory)) return escaping;
        var inside = RealPath(directory)!;
        Walk(new DirectoryInfo(directory));
        return escaping;

        void Walk(DirectoryInfo current)
        {
            foreach (var info in current.EnumerateFileSystemInfos())
            {
                if (info.LinkTarget is not null)
                {
                    var resolved = RealPath(info.FullName);
                    if (resolved is not null && resolved != inside && !resolved.StartsWith(inside + "/", StringComparison.Ordinal))
                        escaping.Add($"{Path.GetRelativePath(directory, info.FullName)} -> {info.LinkTarget} = {resolved}");
                }
                else if (info is DirectoryInfo child)
                {
                    Walk(child);
                }
            }
        }
    }

    /// <summary>realpath(3): the path with every symlink resolved, or null when it does not resolve.</summary>
    private static string? RealPath(string path)
    {
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            free(resolved);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);
}
