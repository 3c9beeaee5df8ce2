using System.Text.Json.Serialization;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// One path of a synced file tree (a writable layer or a volume) with what a copy must keep: kind, permission bits,
/// owner, mtime, a symlink's target or a hard link's first path, an overlay opaque-directory xattr. <see cref="Sent"/>:
/// the file's content travels in this round. Inode, device and ctime only matter on the source (the quick check).
/// </summary>
public sealed record TreeEntry
{
    [JsonPropertyName("p")] public string Path { get; init; } = "";
    [JsonPropertyName("k")] public TreeEntryKind Kind { get; init; }
    [JsonPropertyName("m")] public uint Mode { get; init; }
    [JsonPropertyName("u")] public uint Uid { get; init; }
    [JsonPropertyName("g")] public uint Gid { get; init; }
    [JsonPropertyName("t")] public long Mtime { get; init; }
    [JsonPropertyName("s")] public long Size { get; init; }
    /// <summary>A symlink's target, or the earlier path of the same inode for a hard link.</summary>
    [JsonPropertyName("l")] public string? Target { get; init; }
    /// <summary>"name=value" of an overlay opaque-directory xattr.</summary>
    [JsonPropertyName("x")] public string? Opaque { get; init; }
    [JsonPropertyName("sent")] public bool Sent { get; init; }
    [JsonPropertyName("c")] public long Ctime { get; init; }
    [JsonPropertyName("i")] public ulong Inode { get; init; }
    [JsonPropertyName("d")] public ulong Device { get; init; }

    /// <summary>rsync's quick check, with ctime and inode: the same file, unchanged since <paramref name="earlier"/> was read.</summary>
    public bool SameFileAs(TreeEntry earlier) =>
        earlier.Kind == Kind && earlier.Size == Size && earlier.Mtime == Mtime && earlier.Ctime == Ctime && earlier.Inode == Inode
        && earlier.Device == Device;
}
