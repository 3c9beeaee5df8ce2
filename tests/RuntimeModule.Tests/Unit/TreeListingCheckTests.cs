using Federation.Common;
using Federation.RuntimeModule.Engine;
using Federation.RuntimeModule.Engine.Trees;

namespace Federation.RuntimeModule.Tests.Unit;

/// <summary>
/// A listing comes from the peer: one that would write outside the app's tree, or through a symlink it made, is refused
/// before anything is applied. And a workload of several names each container's trees under its own prefix.
/// </summary>
[TestFixture]
public sealed class TreeListingCheckTests
{
    private static TreeListing Listing(string tree, params TreeEntry[] entries) =>
        new() { Checkpoint = "c1", Trees = [new SyncedTree { Name = tree, Entries = [.. entries] }] };

    private static TreeEntry Dir(string path) => new() { Path = path, Kind = TreeEntryKind.Directory };
    private static TreeEntry File(string path) => new() { Path = path, Kind = TreeEntryKind.File, Sent = true };

    [Test]
    public void A_plain_listing_of_several_containers_passes() =>
        Assert.DoesNotThrow(() => TreeListingCheck.Check(new TreeListing
        {
            Checkpoint = "c1",
            Trees =
            [
                new SyncedTree { Name = "store/volumes/data", Entries = [Dir("a"), File("a/b"), new TreeEntry { Path = "c", Kind = TreeEntryKind.HardLink, Target = "a/b" }] },
                new SyncedTree { Name = "web/rootfs", Entries = [File("x"), new TreeEntry { Path = "l", Kind = TreeEntryKind.Symlink, Target = "/etc/passwd" }] },
            ],
        }));

    [TestCase("../rootfs")]
    [TestCase("/rootfs")]
    [TestCase("web/../../x")]
    [TestCase("web//rootfs")]
    [TestCase("")]
    public void A_tree_name_outside_the_app_tree_is_refused(string name)
    {
        var refused = Assert.Throws<FederationException>(() => TreeListingCheck.Check(Listing(name, File("a"))))!;
        Assert.That(refused.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(refused.Message, Does.Contain("tree name"));
    }

    [TestCase("../../etc/passwd")]
    [TestCase("/etc/passwd")]
    [TestCase("a/./b")]
    public void A_path_outside_its_tree_is_refused(string path)
    {
        var refused = Assert.Throws<FederationException>(() => TreeListingCheck.Check(Listing("rootfs", Dir("a"), File(path))))!;
        Assert.That(refused.Message, Does.Contain("not a plain relative path"));
    }

    [Test]
    public void A_file_under_a_symlink_the_listing_made_is_refused()
    {
        var refused = Assert.Throws<FederationException>(() => TreeListingCheck.Check(Listing("rootfs",
            new TreeEntry { Path = "etc", Kind = TreeEntryKind.Symlink, Target = "/etc" }, File("etc/passwd"))))!;
        Assert.That(refused.Message, Does.Contain("under a non-directory"));
    }

    [Test]
    public void A_hard_link_to_a_path_outside_its_tree_is_refused()
    {
        var refused = Assert.Throws<FederationException>(() => TreeListingCheck.Check(Listing("rootfs",
            new TreeEntry { Path = "h", Kind = TreeEntryKind.HardLink, Target = "../../etc/shadow" })))!;
        Assert.That(refused.Message, Does.Contain("hard link target"));
    }

    [Test]
    public void A_tree_listed_twice_is_refused() =>
        Assert.That(Assert.Throws<FederationException>(() => TreeListingCheck.Check(new TreeListing
        {
            Trees = [new SyncedTree { Name = "rootfs" }, new SyncedTree { Name = "rootfs" }],
        }))!.Message, Does.Contain("listed twice"));

    [Test]
    public void Each_container_of_a_workload_names_its_trees_under_its_own_prefix()
    {
        var locations = TreeLocations.Of(
        [
            (SyncedTree.ContainerPrefix("store"), new FilesystemLocations("/s/upper", [("data", "/v/data")])),
            (SyncedTree.ContainerPrefix("web"), new FilesystemLocations("/w/upper", [])),
        ], live: true);
        Assert.That(locations.Trees, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["store/rootfs"] = "/s/upper",
            ["store/volumes/data"] = "/v/data",
            ["web/rootfs"] = "/w/upper",
        }));
        Assert.That(TreeLocations.Of(new FilesystemLocations("/u", []), live: false).Trees.Keys, Is.EqualTo(new[] { "rootfs" }), "one container: unprefixed");
    }
}
