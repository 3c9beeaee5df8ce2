using Federation.Common;
using Federation.RuntimeModule.Engine;

namespace Federation.RuntimeModule.Tests.Unit;

[TestFixture]
public sealed class CheckpointVolumeTests
{
    private string root = null!;
    private CheckpointVolume volume = null!;

    [SetUp]
    public void CreateVolume()
    {
        root = Directory.CreateTempSubdirectory("fed-volume-").FullName;
        volume = new CheckpointVolume(new RuntimeModuleOptions { StateDirectory = root });
    }

    [TearDown]
    public void DeleteVolume() => Directory.Delete(root, recursive: true);

    [Test]
    public void Checkpoints_live_under_checkpoints_app_name() =>
        Assert.That(volume.CheckpointDirectory("cart", "round-1"), Is.EqualTo(Path.Combine(root, "checkpoints", "cart", "round-1")));

    [TestCase("cart", "../../etc")]
    [TestCase("..", "x")]
    [TestCase("cart/../..", "x")]
    public void Paths_out_of_the_volume_are_refused(string app, string checkpoint) =>
        Assert.Throws<FederationException>(() => volume.CheckpointDirectory(app, checkpoint));

    [Test]
    public void Listing_reports_files_with_relative_paths_and_sizes()
    {
        var dir = volume.CheckpointDirectory("cart", "c1");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllBytes(Path.Combine(dir, "pages-1.img"), new byte[8192]);
        File.WriteAllBytes(Path.Combine(dir, "sub", "x"), new byte[3]);

        var files = CheckpointVolume.ListFiles(dir);
        Assert.That(files.Select(f => (f.Path, f.Size)), Is.EqualTo(new[] { ("pages-1.img", 8192UL), ("sub/x", 3UL) }));
        var listed = volume.List("cart");
        Assert.That(listed.Single().Checkpoint, Is.EqualTo("c1"));
        Assert.That(listed.Single().TotalBytes, Is.EqualTo(8195UL));
    }

    [Test]
    public void Link_or_copy_reproduces_a_tree()
    {
        var source = Path.Combine(root, "src");
        Directory.CreateDirectory(Path.Combine(source, "a"));
        File.WriteAllText(Path.Combine(source, "a", "f"), "content");
        var target = Path.Combine(root, "dst", "deeper");
        FileTree.LinkOrCopy(source, target);
        Assert.That(File.ReadAllText(Path.Combine(target, "a", "f")), Is.EqualTo("content"));
    }

    [Test]
    public void Mount_info_knows_the_file_system_of_a_path() =>
        Assert.That(MountInfo.FileSystemOf("/proc/self"), Is.EqualTo("proc"));

    [TestCase("x86_64", "amd64")]
    [TestCase("aarch64", "arm64")]
    [TestCase("riscv64", "riscv64")]
    public void Architectures_are_reported_as_Go_names_them(string uname, string go) =>
        Assert.That(RuntimePlatform.GoArchitecture(uname), Is.EqualTo(go));

    [TestCase("Docker version 26.1.5+dfsg1, build 411e817", "26.1.5+dfsg1")]
    [TestCase("runc version 1.1.15+ds1", "1.1.15+ds1")]
    [TestCase("Version: 4.2.1", "4.2.1")]
    [TestCase("containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6", "1.7.24~ds1")]
    [TestCase("no number here", "no number here")]
    public void Versions_are_read_out_of_version_lines(string line, string version) =>
        Assert.That(RuntimePlatform.Version(line), Is.EqualTo(version));
}
