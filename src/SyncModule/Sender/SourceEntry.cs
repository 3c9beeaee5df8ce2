using Federation.V1;

namespace Federation.SyncModule.Sender;

/// <summary>One file, directory or symlink of the source directory, with its chunk digests once hashed.</summary>
internal sealed class SourceEntry(string path, string fullPath, EntryKind kind, UnixFileMode mode)
{
    public string Path { get; } = path;
    public string FullPath { get; } = fullPath;
    public EntryKind Kind { get; } = kind;
    public UnixFileMode Mode { get; } = mode;
    public long Size { get; init; }
    public string LinkTarget { get; init; } = "";
    public byte[] ChunkDigests { get; set; } = [];
    public byte[] FileDigest { get; set; } = [];
}
