namespace Federation.SyncModule.Receiver;

/// <summary>A manifest that passed every limit and path check.</summary>
internal sealed class ReceivedManifest(string target, int chunkSize, IReadOnlyList<ReceivedEntry> entries, long totalBytes)
{
    public string Target { get; } = target;
    public int ChunkSize { get; } = chunkSize;
    public IReadOnlyList<ReceivedEntry> Entries { get; } = entries;
    public long TotalBytes { get; } = totalBytes;
}
