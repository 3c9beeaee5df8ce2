using Federation.Common;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// A listing comes from the peer: before anything is applied, every tree name, path and hard link's first path must
/// stay inside its tree (relative, no '.', '..' or empty segment), and every entry's parent must be a directory the
/// listing names earlier, so no file is ever written through a symlink the listing made.
/// </summary>
public static class TreeListingCheck
{
    public static void Check(TreeListing listing)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tree in listing.Trees)
        {
            CheckRelative(tree.Name, "tree name");
            if (!names.Add(tree.Name)) throw FederationException.InvalidArgument($"tree '{tree.Name}' is listed twice");
            var directories = new HashSet<string>(StringComparer.Ordinal) { "" };
            foreach (var entry in tree.Entries)
            {
                CheckRelative(entry.Path, $"path of {tree.Name}");
                var slash = entry.Path.LastIndexOf('/');
                var parent = slash < 0 ? "" : entry.Path[..slash];
                if (!directories.Contains(parent))
                    throw FederationException.InvalidArgument($"'{entry.Path}' of {tree.Name} is listed before its directory, or under a non-directory");
                if (entry.Kind == TreeEntryKind.Directory) directories.Add(entry.Path);
                if (entry.Kind == TreeEntryKind.HardLink) CheckRelative(entry.Target, $"hard link target of '{entry.Path}' in {tree.Name}");
            }
        }
    }

    private static void CheckRelative(string? path, string what)
    {
        if (string.IsNullOrEmpty(path) || path.StartsWith('/') || path.Contains('\0')
            || path.Split('/').Any(s => s.Length == 0 || s is "." or ".."))
            throw FederationException.InvalidArgument($"{what} '{path}' is not a plain relative path");
    }
}
