namespace Federation.SyncModule.Sender;

/// <summary>The source directory as the sender offers it.</summary>
internal sealed class SourceManifest(int chunkSize, IReadOnlyList<SourceEntry> entries)
{
    public int ChunkSize { get; } = chunkSize;
    public IReadOnlyList<SourceEntry> Entries { get; } = entries;
    public long TotalBytes { get; } = entries.Sum(e => e.Size);
    public int FileCount { get; } = entries.Count(e => e.Kind == V1.EntryKind.File);
}
