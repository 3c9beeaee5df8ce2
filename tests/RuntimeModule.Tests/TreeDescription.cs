using System.Security.Cryptography;
using Federation.RuntimeModule.Engine.Trees;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// A file tree as lines to compare: every path with its type, permission bits, owner, mtime, content hash (files),
/// target (symlinks), device (whiteouts) and, for names of one inode within the tree, the first of them.
/// </summary>
internal static class TreeDescription
{
    public static List<string> Of(string tree)
    {
        var lines = new List<string>();
        var groups = new Dictionary<ulong, string>();
        var paths = Directory.EnumerateFileSystemEntries(tree, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        // Names of one inode within the tree (a synced file also has a name in its round's checkpoint).
        var shared = paths.GroupBy(p => UnixFiles.Lstat(p).Inode).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        foreach (var full in paths)
        {
            var stat = UnixFiles.Lstat(full);
            var path = Path.GetRelativePath(tree, full);
            var what = stat.Type switch
            {
                UnixFiles.RegularType => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(full))),
                UnixFiles.SymlinkType => "-> " + new FileInfo(full).LinkTarget,
                UnixFiles.CharDeviceType => $"char {stat.Rdev}",
                _ => "dir",
            };
            var group = shared.Contains(stat.Inode) && stat.Type == UnixFiles.RegularType
                ? (groups.TryGetValue(stat.Inode, out var first) ? first : groups[stat.Inode] = path) : "";
            lines.Add($"{path} {Convert.ToString(stat.Mode, 8)} {stat.Uid}:{stat.Gid} {stat.Mtime} {what} {group}");
        }
        return lines;
    }
}
