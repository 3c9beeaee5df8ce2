namespace Federation.SyncModule.Sender;

/// <summary>A snapshot of a running transfer, reported every <see cref="SyncSendOptions.ProgressInterval"/>.</summary>
/// <param name="TotalBytes">Bytes of all files.</param>
/// <param name="SkippedBytes">Bytes the receiver already held and that are not sent.</param>
/// <param name="SentBytes">Uncompressed bytes of chunks sent so far (resends included).</param>
/// <param name="WireBytes">Chunk bytes put on the wire after compression, plus the manifest.</param>
/// <param name="BytesPerSecond">SentBytes per second since sending began.</param>
public sealed record SyncProgress(
    SyncPhase Phase,
    long TotalBytes,
    long SkippedBytes,
    long SentBytes,
    long WireBytes,
    double BytesPerSecond,
    int FilesTotal,
    int FilesCompleted,
    TimeSpan Elapsed);
