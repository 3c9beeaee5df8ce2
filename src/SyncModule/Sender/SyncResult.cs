namespace Federation.SyncModule.Sender;

/// <summary>What one transfer moved.</summary>
/// <param name="TotalBytes">Bytes of all files in the source directory.</param>
/// <param name="SkippedBytes">Bytes the receiver already held (earlier rounds, partial files, duplicates): not sent.</param>
/// <param name="SentBytes">Uncompressed bytes of chunks sent, resends included.</param>
/// <param name="WireBytes">Bytes put on the wire: chunk data after compression plus the manifest (gRPC framing excluded).</param>
/// <param name="ManifestBytes">Of WireBytes, the manifest's share (paths, sizes, chunk digests).</param>
/// <param name="CompressionRatio">Compressed / uncompressed chunk bytes (1 when nothing shrank).</param>
/// <param name="ChunksResent">Chunks sent again because the receiver rejected them.</param>
/// <param name="Attempts">1 when the connection held; more when the transfer resumed.</param>
public sealed record SyncResult(
    string TransferId,
    int Files,
    long TotalBytes,
    long SkippedBytes,
    long SentBytes,
    long WireBytes,
    long ManifestBytes,
    double CompressionRatio,
    long ChunksResent,
    int Attempts,
    TimeSpan Duration);
