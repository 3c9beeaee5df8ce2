using Federation.RuntimeModule.Engine.Trees;

namespace Federation.RuntimeModule.Tests.Unit;

/// <summary>
/// Where a restore cannot rename a tree into the container (another file system), it copies it: the copy must keep what the
/// tree sync keeps (owners, modes, mtimes, symlinks, hard links, whiteouts, the opaque-directory xattr) and every byte.
/// Copied onto /dev/shm when that is another file system here, so the cross-device case is the one tried.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TreeCopyTests
{
    private string from = "";
    private string to = "";

    [SetUp]
    public void CreateTree()
    {
        from = Directory.CreateTempSubdirectory("fed-copy-from-").FullName;
        var shm = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        to = Path.Combine(shm, $"fed-copy-to-{Guid.NewGuid():N}");
        Directory.CreateDirectory(to);
        Directory.CreateDirectory(Path.Combine(from, "etc", "opaque"));
        File.WriteAllText(Path.Combine(from, "etc", "app.conf"), "port=1\n");
        File.WriteAllBytes(Path.Combine(from, "data.bin"), Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray());
        UnixFiles.Link(Path.Combine(from, "data.bin"), Path.Combine(from, "etc", "hard"));
        File.CreateSymbolicLink(Path.Combine(from, "link"), "etc/app.conf");
        UnixFiles.Lchown(Path.Combine(from, "etc", "app.conf"), 1234, 5678);
        File.SetUnixFileMode(Path.Combine(from, "etc", "app.conf"), UnixFileMode.UserRead | UnixFileMode.GroupRead);
        UnixFiles.SetMtime(Path.Combine(from, "data.bin"), 981_173_106_000_000_000);
        UnixFiles.MakeWhiteout(Path.Combine(from, "deleted"));
        UnixFiles.SetXattr(Path.Combine(from, "etc", "opaque"), "trusted.overlay.opaque", "y");
    }

    [TearDown]
    public void RemoveTrees()
    {
        Directory.Delete(from, recursive: true);
        Directory.Delete(to, recursive: true);
    }

    private static List<TreeEntry> Described(string root) =>
        TreeScanner.Scan("t", root).Entries.Select(e => e with { Inode = 0, Device = 0, Ctime = 0 }).ToList();

    [Test]
    public async Task A_copied_tree_keeps_every_byte_owner_mode_mtime_link_whiteout_and_xattr()
    {
        TestContext.Out.WriteLine($"cross-device: {UnixFiles.Lstat(from).Device != UnixFiles.Lstat(to).Device}");
        await TreeCopy.CopyChildrenAsync(from, to, CancellationToken.None);
        Assert.That(Described(to), Is.EqualTo(Described(from)));
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(Path.Combine(to, "data.bin")), Is.EqualTo(File.ReadAllBytes(Path.Combine(from, "data.bin"))));
            Assert.That(UnixFiles.Lstat(Path.Combine(to, "etc", "hard")).Inode, Is.EqualTo(UnixFiles.Lstat(Path.Combine(to, "data.bin")).Inode), "still one inode");
            Assert.That(UnixFiles.GetXattr(Path.Combine(to, "etc", "opaque"), "trusted.overlay.opaque"), Is.EqualTo("y"));
        });
    }

    [Test]
    public void A_copy_that_fails_says_why_in_one_line()
    {
        var e = Assert.ThrowsAsync<IOException>(() => TreeCopy.CopyChildrenAsync(Path.Combine(from, "missing"), to, CancellationToken.None))!;
        Assert.That(e.Message, Does.StartWith($"copying '{Path.Combine(from, "missing")}' to '{to}' failed: cp: ").And.Not.Contain("\n"));
    }
}
