namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// Reads a directory tree in place with lstat (links are never followed): every directory, file, symlink and overlay
/// whiteout with its metadata, parents before children, names in ordinal order. A further name of an inode already
/// listed becomes a <see cref="TreeEntryKind.HardLink"/> to the first. Sockets, fifos and devices other than whiteouts
/// are left out (nothing to carry).
/// </summary>
public static class TreeScanner
{
    public static readonly string[] OpaqueXattrs = ["trusted.overlay.opaque", "user.overlay.opaque"];

    public static SyncedTree Scan(string name, string root)
    {
        var entries = new List<TreeEntry>();
        var inodes = new Dictionary<(ulong, ulong), string>();
        var rootStat = UnixFiles.Lstat(root);
        if (rootStat.Type != UnixFiles.DirectoryType) throw new IOException($"'{root}' is not a directory");
        Walk(root, "", entries, inodes);
        return new SyncedTree { Name = name, Root = Entry("", rootStat, TreeEntryKind.Directory), Entries = entries };
    }

    private static void Walk(string directory, string prefix, List<TreeEntry> entries, Dictionary<(ulong, ulong), string> inodes)
    {
        var names = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var full = Path.Join(directory, name);
            var path = prefix + name;
            FileStat stat;
            try
            {
                stat = UnixFiles.Lstat(full);
            }
            catch (IOException) when (!Path.Exists(full))
            {
                continue; // deleted since it was listed (a live round)
            }
            switch (stat.Type)
            {
                case UnixFiles.DirectoryType:
                    entries.Add(Entry(path, stat, TreeEntryKind.Directory) with { Opaque = OpaqueOf(full) });
                    Walk(full, path + "/", entries, inodes);
                    break;
                case UnixFiles.RegularType when stat.Links > 1 && inodes.TryGetValue((stat.Device, stat.Inode), out var first):
                    entries.Add(Entry(path, stat, TreeEntryKind.HardLink) with { Target = first });
                    break;
                case UnixFiles.RegularType:
                    if (stat.Links > 1) inodes[(stat.Device, stat.Inode)] = path;
                    entries.Add(Entry(path, stat, TreeEntryKind.File));
                    break;
                case UnixFiles.SymlinkType:
                    entries.Add(Entry(path, stat, TreeEntryKind.Symlink) with { Target = new FileInfo(full).LinkTarget ?? "" });
                    break;
                case UnixFiles.CharDeviceType when stat.Rdev == 0:
                    entries.Add(Entry(path, stat, TreeEntryKind.Whiteout));
                    break;
            }
        }
    }

    private static TreeEntry Entry(string path, FileStat stat, TreeEntryKind kind) => new()
    {
        Path = path,
        Kind = kind,
        Mode = stat.Permissions,
        Uid = stat.Uid,
        Gid = stat.Gid,
        Mtime = stat.Mtime,
        Size = kind == TreeEntryKind.File ? stat.Size : 0,
        Ctime = stat.Ctime,
        Inode = stat.Inode,
        Device = stat.Device,
    };

    private static string? OpaqueOf(string directory)
    {
        foreach (var name in OpaqueXattrs)
            if (UnixFiles.GetXattr(directory, name) is { } value) return name + "=" + value;
        return null;
    }
}
