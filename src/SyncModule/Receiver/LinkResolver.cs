using Federation.Common;
using Federation.V1;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// Decides where symlinks really lead in the tree a transfer leaves behind: the manifest's entries
/// laid over what the target directory already holds on disk. A link target is walked name by name
/// from the directory that holds the link, as the kernel does: a symlink met on the way (one of the
/// manifest or one already on disk, in whatever order the manifest lists them) is followed, at most
/// <see cref="MaxHops"/> times in all, and '..' climbs from where the walk really is, never from the
/// lexical form of the path. A name that neither the manifest nor the disk holds, or a file used as a
/// directory, is taken as an empty directory, so '..' below it is judged as if it existed.
/// </summary>
/// <remarks>
/// Refused with <c>InvalidArgument</c>: a symlink of the manifest that leads outside the target (absolute,
/// too many '..', or through another symlink that does), that loops or needs more than
/// <see cref="MaxHops"/> symlinks; a symlink already on disk that the manifest's symlinks would make
/// lead outside or loop; an entry whose place on disk holds something it cannot replace (a symlink or a
/// file where the manifest needs a directory, a directory where it puts a file or a symlink), so no
/// entry is ever written through a symlink on disk. Only reads the disk.
/// </remarks>
internal sealed class LinkResolver
{
    /// <summary>Symlinks one resolution may follow, as the kernel's MAXSYMLINKS (ELOOP beyond).</summary>
    public const int MaxHops = 40;

    private readonly TargetDirectory target;
    private readonly IReadOnlyList<ReceivedEntry> entries;
    private readonly Dictionary<string, ReceivedEntry> listed = new(StringComparer.Ordinal);
    private readonly HashSet<string> impliedDirectories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node> nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Outcome> resolved = new(StringComparer.Ordinal);
    private readonly HashSet<string> resolving = new(StringComparer.Ordinal);
    private readonly bool rootOnDisk;

    public LinkResolver(TargetDirectory target, IReadOnlyList<ReceivedEntry> entries)
    {
        this.target = target;
        this.entries = entries;
        foreach (var entry in entries)
        {
            listed[entry.Path] = entry;
            for (var parent = RelativePath.Parent(entry.Path); parent is not null && impliedDirectories.Add(parent); parent = RelativePath.Parent(parent))
            {
            }
        }
        rootOnDisk = TargetIsDirectoryOnDisk(target);
    }

    /// <summary>Throws <c>InvalidArgument</c> for the first entry or symlink that the tree cannot hold safely.</summary>
    public void Check()
    {
        var hasLinks = false;
        foreach (var entry in entries)
        {
            var parent = RelativePath.Parent(entry.Path);
            // The manifest's own ancestors are directories (checked before), so this walk follows no symlink.
            var at = parent is null ? Location.Root(rootOnDisk) : Walk(parent, Location.Root(rootOnDisk)).At!;
            var node = Lookup(entry.Path, at.OnDisk);
            if (entry.Kind != EntryKind.Symlink) continue;
            hasLinks = true;
            var outcome = Resolve(entry.Path, node, at);
            if (outcome.Failure != Failure.None)
                throw FederationException.InvalidArgument(
                    $"symlink '{RelativePath.Shorten(entry.Path)}' points to '{RelativePath.Shorten(entry.LinkTarget)}', which {Describe(outcome.Failure)}");
        }
        if (hasLinks && rootOnDisk) CheckLinksOnDisk();
    }

    /// <summary>Symlinks already in the target that the manifest's symlinks would now send outside (those that already led nowhere stay as they are).</summary>
    private void CheckLinksOnDisk()
    {
        var pending = new Stack<Location>();
        pending.Push(Location.Root(rootOnDisk));
        while (pending.TryPop(out var directory))
        {
            foreach (var full in Directory.EnumerateFileSystemEntries(target.FullPathOf(directory.Key)))
            {
                var name = Path.GetFileName(full);
                var key = directory.Key.Length == 0 ? name : directory.Key + "/" + name;
                var node = Lookup(key, parentOnDisk: true);
                if (node.Listed && node.Kind != NodeKind.Directory) continue;
                if (node.Kind == NodeKind.Directory && node.OnDisk)
                {
                    pending.Push(directory.Clone().Into(key, onDisk: true));
                }
                else if (node.Kind == NodeKind.Symlink)
                {
                    var outcome = Resolve(key, node, directory);
                    if (outcome.Failure != Failure.None && outcome.ThroughListed)
                        throw FederationException.InvalidArgument(
                            $"symlink '{RelativePath.Shorten(key)}' already on the receiver points to '{RelativePath.Shorten(node.LinkTarget!)}', " +
                            $"which with the offered symlinks {Describe(outcome.Failure)}");
                }
            }
        }
    }

    /// <summary>Walks <paramref name="path"/> name by name from <paramref name="start"/>, following every symlink on the way.</summary>
    private Outcome Walk(string path, Location start)
    {
        var at = start.Clone();
        var hops = 0;
        var throughListed = false;
        foreach (var name in path.Split('/'))
        {
            if (name.Length == 0 || name == ".") continue;
            if (name == "..")
            {
                if (!at.Up()) return new Outcome(null, hops, throughListed, Failure.Outside);
                continue;
            }
            if (at.Missing > 0)
            {
                at.Missing++;
                continue;
            }
            var key = at.Key.Length == 0 ? name : at.Key + "/" + name;
            var node = Lookup(key, at.OnDisk);
            switch (node.Kind)
            {
                case NodeKind.Directory:
                    at = at.Into(key, node.OnDisk);
                    break;
                case NodeKind.Symlink:
                    var link = Resolve(key, node, at);
                    hops += link.Hops;
                    throughListed |= link.ThroughListed;
                    if (link.Failure != Failure.None) return new Outcome(null, hops, throughListed, link.Failure);
                    if (hops > MaxHops) return new Outcome(null, hops, throughListed, Failure.Loop);
                    at = link.At!.Clone();
                    break;
                default:
                    at.Missing = 1;
                    break;
            }
        }
        return new Outcome(at, hops, throughListed, Failure.None);
    }

    /// <summary>Where the symlink at <paramref name="key"/> (in <paramref name="parent"/>) leads; each symlink is resolved once.</summary>
    private Outcome Resolve(string key, Node link, Location parent)
    {
        if (resolved.TryGetValue(key, out var known)) return known;
        if (resolving.Count >= MaxHops || !resolving.Add(key)) return new Outcome(null, MaxHops + 1, link.Listed, Failure.Loop);
        Outcome outcome;
        if (string.IsNullOrEmpty(link.LinkTarget) || link.LinkTarget.StartsWith('/'))
        {
            outcome = new Outcome(null, 1, link.Listed, Failure.Outside);
        }
        else
        {
            var walked = Walk(link.LinkTarget, parent);
            outcome = walked with { Hops = walked.Hops + 1, ThroughListed = walked.ThroughListed || link.Listed };
            if (outcome.Failure == Failure.None && outcome.Hops > MaxHops) outcome = outcome with { At = null, Failure = Failure.Loop };
        }
        resolving.Remove(key);
        resolved[key] = outcome;
        return outcome;
    }

    /// <summary>What the finished tree holds at <paramref name="key"/>: the manifest's entry over what is on disk.</summary>
    private Node Lookup(string key, bool parentOnDisk)
    {
        if (nodes.TryGetValue(key, out var known)) return known;
        var (diskKind, diskLink) = parentOnDisk ? OnDisk(target.FullPathOf(key)) : (NodeKind.Missing, null);
        Node node;
        if (listed.TryGetValue(key, out var entry) && entry.Kind != EntryKind.Directory)
        {
            if (diskKind == NodeKind.Directory)
                throw FederationException.InvalidArgument(
                    $"'{RelativePath.Shorten(key)}' is a directory on the receiver, not a {(entry.Kind == EntryKind.File ? "file" : "symlink")}");
            node = entry.Kind == EntryKind.File
                ? new Node(NodeKind.File, false, null, Listed: true)
                : new Node(NodeKind.Symlink, false, entry.LinkTarget, Listed: true);
        }
        else if (entry is not null || impliedDirectories.Contains(key))
        {
            if (diskKind == NodeKind.Symlink)
                throw FederationException.InvalidArgument($"'{RelativePath.Shorten(key)}' is a symlink on the receiver; refusing to write through it");
            if (diskKind == NodeKind.File)
                throw FederationException.InvalidArgument($"'{RelativePath.Shorten(key)}' is a file on the receiver, not a directory");
            node = new Node(NodeKind.Directory, diskKind == NodeKind.Directory, null, Listed: true);
        }
        else
        {
            node = new Node(diskKind, diskKind == NodeKind.Directory, diskLink, Listed: false);
        }
        nodes[key] = node;
        return node;
    }

    /// <summary>lstat: what is at <paramref name="full"/> itself, a symlink never followed.</summary>
    private static (NodeKind Kind, string? LinkTarget) OnDisk(string full)
    {
        var info = new FileInfo(full);
        if (info.LinkTarget is { } link) return (NodeKind.Symlink, link);
        if (info.Exists) return (NodeKind.File, null);
        return Directory.Exists(full) ? (NodeKind.Directory, null) : (NodeKind.Missing, null);
    }

    /// <summary>True when every directory from the root down to the target exists and none is a symlink.</summary>
    private static bool TargetIsDirectoryOnDisk(TargetDirectory target)
    {
        var current = target.Root;
        foreach (var segment in target.Target.Split('/'))
        {
            current = Path.Join(current, segment);
            if (OnDisk(current).Kind != NodeKind.Directory) return false;
        }
        return true;
    }

    private static string Describe(Failure failure) => failure == Failure.Loop
        ? $"loops or goes through more than {MaxHops} symlinks"
        : "leads outside the target directory";

    private enum NodeKind { Missing, File, Directory, Symlink }

    private enum Failure { None, Outside, Loop }

    /// <param name="OnDisk">A directory that exists on disk (so what lies below it is looked up there too).</param>
    /// <param name="Listed">The manifest decides what is here (its entry, or a directory it implies).</param>
    private readonly record struct Node(NodeKind Kind, bool OnDisk, string? LinkTarget, bool Listed);

    /// <param name="At">Where the walk ended; null when it failed.</param>
    /// <param name="ThroughListed">Whether a symlink of the manifest was followed on the way.</param>
    private sealed record Outcome(Location? At, int Hops, bool ThroughListed, Failure Failure);

    /// <summary>
    /// A place in the tree: the real directories from the root down (no symlink among them), then
    /// <see cref="Missing"/> levels of names that do not exist.
    /// </summary>
    private sealed class Location
    {
        private readonly List<(string Key, bool OnDisk)> directories;
        private readonly bool rootOnDisk;

        private Location(List<(string Key, bool OnDisk)> directories, bool rootOnDisk, int missing)
        {
            this.directories = directories;
            this.rootOnDisk = rootOnDisk;
            Missing = missing;
        }

        public int Missing { get; set; }
        public string Key => directories.Count == 0 ? "" : directories[^1].Key;
        public bool OnDisk => Missing == 0 && (directories.Count == 0 ? rootOnDisk : directories[^1].OnDisk);

        public static Location Root(bool onDisk) => new([], onDisk, 0);

        public Location Clone() => new([.. directories], rootOnDisk, Missing);

        public Location Into(string key, bool onDisk)
        {
            directories.Add((key, onDisk));
            return this;
        }

        /// <summary>'..': false when it would leave the root.</summary>
        public bool Up()
        {
            if (Missing > 0) Missing--;
            else if (directories.Count > 0) directories.RemoveAt(directories.Count - 1);
            else return false;
            return true;
        }
    }
}
