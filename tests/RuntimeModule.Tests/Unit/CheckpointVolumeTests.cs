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
    public void Staging_links_page_images_and_our_files_back_to_the_volume_and_hard_links_the_other_images()
    {
        var source = Path.Combine(root, "cart", "c1");
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        File.WriteAllText(Path.Combine(source, "pages-1.img"), "memory");
        File.WriteAllText(Path.Combine(source, "core-1.img"), "core");
        File.WriteAllText(Path.Combine(source, "descriptors.json"), "[]");
        File.WriteAllText(Path.Combine(source, ContainerFilesystem.LayerArchive), "layer");
        File.WriteAllText(Path.Combine(source, "sub", "pages-2.img"), "more memory");
        var predump = Path.Combine(root, "cart", "c0");
        Directory.CreateDirectory(predump);
        File.WriteAllText(Path.Combine(predump, "pages-1.img"), "older memory");
        File.CreateSymbolicLink(Path.Combine(source, "parent"), "../c0");
        var target = Path.Combine(root, "docker", "containers", "x", "checkpoints", "c1");

        CheckpointStaging.Stage(source, target);

        foreach (var name in new[] { "pages-1.img", ContainerFilesystem.LayerArchive, "sub/pages-2.img" })
        {
            var staged = new FileInfo(Path.Combine(target, name));
            Assert.That(staged.LinkTarget, Does.StartWith("../../../").And.EndWith(Path.Combine(source, name).TrimStart('/')), name);
            Assert.That(Path.IsPathRooted(staged.LinkTarget), Is.False, name);
            Assert.That(File.ReadAllText(staged.FullName), Is.EqualTo(File.ReadAllText(Path.Combine(source, name))), name);
        }
        var parent = new DirectoryInfo(Path.Combine(target, "parent"));
        Assert.That(parent.LinkTarget, Does.StartWith("../../../").And.EndWith(predump.TrimStart('/')));
        Assert.That(File.ReadAllText(Path.Combine(parent.FullName, "pages-1.img")), Is.EqualTo("older memory"));
        foreach (var name in new[] { "core-1.img", "descriptors.json" })
        {
            Assert.That(new FileInfo(Path.Combine(target, name)).LinkTarget, Is.Null, name);
            Assert.That(File.ReadAllText(Path.Combine(target, name)), Is.EqualTo(File.ReadAllText(Path.Combine(source, name))), name);
        }
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
