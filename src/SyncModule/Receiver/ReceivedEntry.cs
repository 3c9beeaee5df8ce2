using Federation.V1;

namespace Federation.SyncModule.Receiver;

/// <summary>One checked manifest entry as the receiver keeps it.</summary>
internal sealed class ReceivedEntry(int index, string path, EntryKind kind, UnixFileMode mode)
{
    public int Index { get; } = index;
    public string Path { get; } = path;
    public EntryKind Kind { get; } = kind;
    public UnixFileMode Mode { get; } = mode;
    public long Size { get; init; }
    public byte[] FileDigest { get; init; } = [];
    /// <summary>16 bytes per chunk; filled while the manifest streams in.</summary>
    public byte[] ChunkDigests { get; init; } = [];
    public int ChunkCount { get; init; }
    public string LinkTarget { get; init; } = "";
    public int DigestBytesReceived { get; set; }
}
