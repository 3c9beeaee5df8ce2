using System.Security.Cryptography;
using Federation.Common;
using Federation.RuntimeModule.Engine;
using Federation.RuntimeModule.Engine.Trees;

namespace Federation.RuntimeModule.Tests.Unit;

/// <summary>
/// The tree sync without Docker or network: a source tree read in place round after round, the changed files "sent"
/// (copied where the sync module would put them), and the destination's tree brought to each round in place.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileTreeSyncTests
{
    private const string App = "files";
    private const string Target = "http://127.0.0.1:1";
    private string root = null!;
    private string live = null!;
    private CheckpointVolume source = null!;
    private CheckpointVolume destination = null!;
    private readonly List<string> rehashed = [];
    private FileTreeSource sender = null!;

    [SetUp]
    public void CreateTrees()
    {
        rehashed.Clear();
        root = Directory.CreateTempSubdirectory("fed-trees-").FullName;
        live = Path.Combine(root, "live");
        source = new CheckpointVolume(new RuntimeModuleOptions { StateDirectory = Path.Combine(root, "a") });
        destination = new CheckpointVolume(new RuntimeModuleOptions { StateDirectory = Path.Combine(root, "b") });
        sender = new FileTreeSource(source) { Delta = new TreeDelta { Rehashing = (tree, path) => rehashed.Add(tree + ":" + path) } };
        Directory.CreateDirectory(Path.Combine(live, "upper", "etc", "conf.d"));
        Directory.CreateDirectory(Path.Combine(live, "upper", "empty"));
        Directory.CreateDirectory(Path.Combine(live, "data", "logs"));
        Write("upper/etc/app.conf", "port=1\n");
        Write("upper/etc/conf.d/one", "one\n");
        Write("upper/secret", "s3cret\n");
        File.SetUnixFileMode(Path.Combine(live, "upper/secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(Path.Combine(live, "upper/etc/link"), "app.conf");
        UnixFiles.MakeWhiteout(Path.Combine(live, "upper/deleted-from-image"));
        Write("data/logs/0001.log", new string('a', 300_000));
        Write("data/owned", "mine\n");
        UnixFiles.Lchown(Path.Combine(live, "data/owned"), 1234, 5678);
        File.SetLastWriteTimeUtc(Path.Combine(live, "data/owned"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        UnixFiles.Link(Path.Combine(live, "data/logs/0001.log"), Path.Combine(live, "data/hard"));
    }

    [TearDown]
    public void DeleteTrees() => Directory.Delete(root, recursive: true);

    [Test]
    public void A_tree_changed_between_rounds_ends_identical_and_only_changed_files_are_read_again()
    {
        Round("r1");
        Assert.That(rehashed, Is.EquivalentTo(new[]
        {
            "rootfs:etc/app.conf", "rootfs:etc/conf.d/one", "rootfs:secret", "volumes/data:hard", "volumes/data:owned",
        }), "the first round reads every file once (a hard link's second name is not read again)");
        AssertSame();
        var untouched = Inode(Dest("rootfs/etc/conf.d/one"));

        rehashed.Clear();
        // Same size, same mtime, other bytes: only the ctime tells.
        var conf = Path.Combine(live, "upper/etc/app.conf");
        var mtime = File.GetLastWriteTimeUtc(conf);
        Write("upper/etc/app.conf", "port=2\n");
        File.SetLastWriteTimeUtc(conf, mtime);
        File.Delete(Path.Combine(live, "upper/secret"));
        File.Move(Path.Combine(live, "data/owned"), Path.Combine(live, "data/renamed"));
        File.AppendAllText(Path.Combine(live, "data/logs/0001.log"), "tail");
        Directory.Delete(Path.Combine(live, "upper/empty"));
        Directory.CreateDirectory(Path.Combine(live, "upper/new-empty"));
        Round("r2");

        Assert.Multiple(() =>
        {
            Assert.That(rehashed, Is.EquivalentTo(new[] { "rootfs:etc/app.conf", "volumes/data:hard", "volumes/data:renamed" }),
                "only files whose stat changed are read again");
            Assert.That(Path.Exists(Dest("rootfs/secret")), Is.False, "a deleted file is deleted at the destination");
            Assert.That(Path.Exists(Dest("rootfs/empty")), Is.False, "a deleted directory too");
            Assert.That(Inode(Dest("rootfs/etc/conf.d/one")), Is.EqualTo(untouched), "an unchanged file is not touched");
        });
        AssertSame();
    }

    [Test]
    public void A_round_against_another_base_is_refused_and_the_source_then_sends_everything()
    {
        Round("r1");
        AppliedTree.Mark(AppliedTree.Root(destination, App), "someone-else");
        Write("upper/etc/app.conf", "changed\n");
        var e = Assert.Throws<FederationException>(() => Round("r2"))!;
        Assert.That(e.Error, Is.EqualTo(FederationError.Aborted));
        Assert.That(e.Message, Does.Contain("'someone-else'").And.Contain("'r1'"));

        sender.Forget(App);
        rehashed.Clear();
        Round("r3");
        Assert.That(rehashed, Has.Count.EqualTo(5), "after a failed round every file is sent");
        AssertSame();
    }

    [Test]
    public void A_live_round_leaves_a_file_written_just_now_for_a_later_round()
    {
        Round("r1", liveRound: true);
        Assert.That(rehashed, Is.Empty, "every file was written within the hot window");
        Assert.That(Path.Exists(Dest("rootfs/etc/app.conf")), Is.False, "a hot file waits for the next round");

        Round("r2");
        AssertSame();
    }

    [Test]
    public void A_new_destination_at_the_old_address_says_in_its_token_that_it_has_nothing_and_gets_every_file_at_once()
    {
        Round("r1", tokenSaysBase: true);
        // The next migration's target is a new runtime published at the same address: no tree yet.
        Directory.Delete(AppliedTree.Root(destination, App), recursive: true);
        rehashed.Clear();
        Assert.DoesNotThrow(() => Round("r2", tokenSaysBase: true), "no delta against a round it never had, so no refusal");
        Assert.That(rehashed, Has.Count.EqualTo(5), "every file sent in the first round to it");
        AssertSame();

        Write("upper/etc/app.conf", "changed\n");
        rehashed.Clear();
        Round("r3", tokenSaysBase: true);
        Assert.That(rehashed, Is.EqualTo(new[] { "rootfs:etc/app.conf" }), "then deltas again, against the round its token names");
        AssertSame();
    }

    [TestCase("")]
    [TestCase("m0123456789-round-2")]
    public void A_token_names_the_round_it_was_issued_for(string round) =>
        Assert.That(TreeBaseTag.Decode("Zm9vYmFy_-." + TreeBaseTag.Encode(round)), Is.EqualTo(round));

    [Test]
    public void A_token_without_a_tag_names_no_round() => Assert.That(TreeBaseTag.Decode("Zm9vYmFy_-"), Is.Null);

    private void Round(string checkpoint, bool liveRound = false, bool tokenSaysBase = false)
    {
        var directory = source.CheckpointDirectory(App, checkpoint);
        Directory.CreateDirectory(directory);
        FileTreeSource.WriteLocations(directory,
            new FilesystemLocations(Path.Combine(live, "upper"), [("data", Path.Combine(live, "data"))]), liveRound);
        var token = "random." + TreeBaseTag.Encode(AppliedTree.At(AppliedTree.Root(destination, App)));
        var prepared = sender.Prepare(App, checkpoint, Target, tokenSaysBase ? TreeBaseTag.Decode(token) : null)!;
        var arrived = destination.CheckpointDirectory(App, checkpoint);
        Directory.CreateDirectory(arrived);
        File.Copy(Path.Combine(directory, TreeListing.FileName), Path.Combine(arrived, TreeListing.FileName));
        foreach (var file in prepared.Files)
        {
            var to = Path.Combine(arrived, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file.FullPath, to);
        }
        FileTreeReceiver.Apply(destination, App, arrived, prepared.Listing);
        sender.Sent(App, Target, prepared.Listing);
    }

    private void AssertSame()
    {
        Assert.That(TreeDescription.Of(Path.Combine(AppliedTree.Root(destination, App), "rootfs")), Is.EqualTo(TreeDescription.Of(Path.Combine(live, "upper"))));
        Assert.That(TreeDescription.Of(Path.Combine(AppliedTree.Root(destination, App), "volumes/data")), Is.EqualTo(TreeDescription.Of(Path.Combine(live, "data"))));
    }

    private string Dest(string path) => Path.Combine(AppliedTree.Root(destination, App), path);

    private static ulong Inode(string path) => UnixFiles.Lstat(path).Inode;

    private void Write(string path, string text) => File.WriteAllText(Path.Combine(live, path), text);
}
