using System.Security.Cryptography;
using System.Text;
using Federation.Common;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// The directory one transfer writes, under the receiver's root. Every directory on the way down is
/// checked with lstat: an existing symlink anywhere between the root and a file is refused, so no
/// write can leave the root through a link that was already on disk.
/// </summary>
internal sealed class TargetDirectory(string root, string target)
{
    public string Root { get; } = root;
    public string Target { get; } = target;
    public string FullPath { get; } = Path.Join(root, target);

    public string FullPathOf(string relative) => Path.Join(FullPath, relative);

    /// <summary>Creates the target and <paramref name="relativeDirectory"/> below it, refusing symlinks and files on the way.</summary>
    public void EnsureDirectory(string? relativeDirectory)
    {
        var current = Root;
        var path = relativeDirectory is null ? Target : Target + "/" + relativeDirectory;
        foreach (var segment in path.Split('/'))
        {
            current = Path.Join(current, segment);
            var info = new DirectoryInfo(current);
            if (info.LinkTarget is not null)
                throw FederationException.InvalidArgument($"'{RelativePath.Shorten(Relative(current))}' is a symlink on the receiver; refusing to write through it");
            if (info.Exists) continue;
            if (File.Exists(current))
                throw FederationException.InvalidArgument($"'{RelativePath.Shorten(Relative(current))}' is a file on the receiver, not a directory");
            Directory.CreateDirectory(current);
        }
    }

    /// <summary>The final path of a file entry; its parent directories are created and checked.</summary>
    public string PrepareFilePath(string relative)
    {
        EnsureDirectory(RelativePath.Parent(relative));
        var full = FullPathOf(relative);
        if (Directory.Exists(full) && new DirectoryInfo(full).LinkTarget is null)
            throw FederationException.InvalidArgument($"'{RelativePath.Shorten(relative)}' is a directory on the receiver, not a file");
        return full;
    }

    /// <summary>Partial files sit next to their final name so the rename stays on one filesystem.</summary>
    public string PartialPathOf(string relative)
    {
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(relative)).AsSpan(0, 12)).ToLowerInvariant();
        var parent = RelativePath.Parent(relative);
        var partial = $"{RelativePath.ReservedPrefix}-{name}.partial";
        return FullPathOf(parent is null ? partial : parent + "/" + partial);
    }

    private string Relative(string full) => Path.GetRelativePath(Root, full);
}
