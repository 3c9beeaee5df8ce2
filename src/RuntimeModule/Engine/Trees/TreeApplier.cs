namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// Brings a destination tree to a round's listing in place: paths the listing lacks (or lists as another kind) are
/// deleted, files sent this round are hard-linked in from where the transfer put them (so the round's checkpoint keeps
/// serving their chunks to later rounds), files not sent must already be there, and then owner, mode, the opaque xattr
/// and mtimes (directories last, deepest first) are set wherever they differ. Unchanged files are not touched.
/// </summary>
public static class TreeApplier
{
    public static void Apply(SyncedTree tree, string destination, string delivered)
    {
        Directory.CreateDirectory(destination);
        var listed = tree.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        DeleteUnlisted(destination, "", listed);
        foreach (var entry in tree.Entries)
        {
            var full = Path.Join(destination, entry.Path);
            switch (entry.Kind)
            {
                case TreeEntryKind.Directory:
                    if (!Directory.Exists(full)) Directory.CreateDirectory(full);
                    break;
                case TreeEntryKind.File when entry.Sent:
                    Replace(full, () => UnixFiles.Link(Path.Join(delivered, entry.Path), full));
                    break;
                case TreeEntryKind.File:
                    if (!File.Exists(full))
                        throw new IOException($"'{entry.Path}' of {tree.Name} was not sent and is not in the destination's tree");
                    break;
                case TreeEntryKind.HardLink:
                    var first = Path.Join(destination, entry.Target);
                    if (!SameInode(first, full)) Replace(full, () => UnixFiles.Link(first, full));
                    break;
                case TreeEntryKind.Symlink:
                    if (new FileInfo(full).LinkTarget != entry.Target) Replace(full, () => File.CreateSymbolicLink(full, entry.Target!));
                    break;
                case TreeEntryKind.Whiteout:
                    if (!UnixFiles.Present(full)) UnixFiles.MakeWhiteout(full);
                    break;
            }
            SetMetadata(full, entry, setMtime: entry.Kind != TreeEntryKind.Directory);
        }
        foreach (var directory in tree.Entries.Where(e => e.Kind == TreeEntryKind.Directory).Reverse())
            SetMtime(Path.Join(destination, directory.Path), directory.Mtime);
        if (tree.Root is { } root) SetMetadata(destination, root, setMtime: true);
    }

    /// <summary>Owner, then mode (a chown clears set-id bits), the opaque xattr and (unless a directory still to be filled) the mtime.</summary>
    public static void SetMetadata(string full, TreeEntry entry, bool setMtime)
    {
        var stat = UnixFiles.Lstat(full);
        if (stat.Uid != entry.Uid || stat.Gid != entry.Gid) UnixFiles.Lchown(full, entry.Uid, entry.Gid);
        if (!OperatingSystem.IsWindows() && entry.Kind != TreeEntryKind.Symlink && (stat.Permissions != entry.Mode || stat.Uid != entry.Uid || stat.Gid != entry.Gid))
            File.SetUnixFileMode(full, (UnixFileMode)entry.Mode);
        if (entry.Opaque is { } opaque)
        {
            var split = opaque.IndexOf('=');
            UnixFiles.SetXattr(full, opaque[..split], opaque[(split + 1)..]);
        }
        if (setMtime) SetMtime(full, entry.Mtime);
    }

    private static void SetMtime(string full, long mtime)
    {
        if (UnixFiles.Lstat(full).Mtime != mtime) UnixFiles.SetMtime(full, mtime);
    }

    private static void DeleteUnlisted(string directory, string prefix, Dictionary<string, TreeEntry> listed)
    {
        foreach (var full in Directory.EnumerateFileSystemEntries(directory).ToList())
        {
            var path = prefix + Path.GetFileName(full);
            var stat = UnixFiles.Lstat(full);
            if (listed.TryGetValue(path, out var entry) && Matches(entry.Kind, stat))
            {
                if (stat.Type == UnixFiles.DirectoryType) DeleteUnlisted(full, path + "/", listed);
                continue;
            }
            UnixFiles.Delete(full, stat);
        }
    }

    private static bool Matches(TreeEntryKind kind, FileStat stat) => kind switch
    {
        TreeEntryKind.Directory => stat.Type == UnixFiles.DirectoryType,
        TreeEntryKind.File or TreeEntryKind.HardLink => stat.Type == UnixFiles.RegularType,
        TreeEntryKind.Symlink => stat.Type == UnixFiles.SymlinkType,
        TreeEntryKind.Whiteout => stat.Type == UnixFiles.CharDeviceType && stat.Rdev == 0,
        _ => false,
    };

    private static void Replace(string full, Action create)
    {
        if (UnixFiles.Present(full)) UnixFiles.Delete(full);
        create();
    }

    private static bool SameInode(string a, string b)
    {
        if (!File.Exists(a) || !File.Exists(b)) return false;
        var (x, y) = (UnixFiles.Lstat(a), UnixFiles.Lstat(b));
        return x.Device == y.Device && x.Inode == y.Inode;
    }
}
