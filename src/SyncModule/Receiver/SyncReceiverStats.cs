namespace Federation.SyncModule.Receiver;

/// <summary>Counters of one receiver since it started (for logs, metrics and tests).</summary>
public sealed class SyncReceiverStats
{
    private long transfersCompleted, chunksAccepted, chunksRejected, bytesReceived, bytesCopiedLocally;

    public long TransfersCompleted => Interlocked.Read(ref transfersCompleted);
    /// <summary>Chunks that arrived over the wire and matched their digest.</summary>
    public long ChunksAccepted => Interlocked.Read(ref chunksAccepted);
    /// <summary>Chunks that arrived over the wire, failed their digest and were not written.</summary>
    public long ChunksRejected => Interlocked.Read(ref chunksRejected);
    /// <summary>Uncompressed bytes of accepted chunks.</summary>
    public long BytesReceived => Interlocked.Read(ref bytesReceived);
    /// <summary>Bytes the receiver took from its own disk (earlier rounds, partial files, duplicates).</summary>
    public long BytesCopiedLocally => Interlocked.Read(ref bytesCopiedLocally);

    internal void TransferCompleted() => Interlocked.Increment(ref transfersCompleted);
    internal void Accepted(int chunks, long bytes)
    {
        Interlocked.Add(ref chunksAccepted, chunks);
        Interlocked.Add(ref bytesReceived, bytes);
    }
    internal void Rejected(int chunks) => Interlocked.Add(ref chunksRejected, chunks);
    internal void CopiedLocally(long bytes) => Interlocked.Add(ref bytesCopiedLocally, bytes);
}
