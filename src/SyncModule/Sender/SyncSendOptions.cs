using Federation.Common;

namespace Federation.SyncModule.Sender;

/// <summary>How a sender cuts, compresses, paces and retries a transfer.</summary>
public sealed class SyncSendOptions
{
    /// <summary>
    /// Bytes per chunk, a multiple of 4096. 4 KiB is one memory page: a CRIU pages image changes
    /// page by page, so a changed page costs one chunk and nothing around it. The cost is 16 bytes
    /// of manifest per 4 KiB (0.4%).
    /// </summary>
    public int ChunkSize { get; set; } = 4096;

    /// <summary>
    /// Largest block of chunks sent (and compressed) as one message: a run of consecutive chunks, or
    /// several runs packed together (scattered changed pages). 64 KiB keeps each
    /// message below the large-object threshold of the receiving runtime (protobuf copies every
    /// bytes field), which measured fastest on loopback; compression ratio barely changes.
    /// </summary>
    public int BlockSize { get; set; } = 64 << 10;

    /// <summary>Concurrent Push calls (HTTP/2 streams); files and chunk ranges are shared among them.</summary>
    public int ParallelStreams { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Cap on chunk bytes put on the wire per second, all streams together; 0 = no cap.</summary>
    public long BandwidthLimitBytesPerSecond { get; set; }

    /// <summary>
    /// Codec per block; blocks that do not shrink go out raw. LZ4 (the default) costs less CPU than
    /// it saves on fast links; zstd sends fewer bytes on slow ones.
    /// </summary>
    public SyncCodec Codec { get; set; } = SyncCodec.Lz4;

    /// <summary>
    /// Level of <see cref="Codec"/>; 0 turns compression off. zstd: -7 to 22 (-1, a fast mode,
    /// compresses at about 1.5 to 2 times the speed of level 1 for about 40% more bytes; use 1 or
    /// more on slow links). LZ4: up to 2 is the fast mode, 3 to 12 the slower high-compression modes.
    /// </summary>
    public int CompressionLevel { get; set; } = -1;

    /// <summary>Attempts of the whole exchange when the connection breaks (the later ones resume).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>How often one chunk may fail verification at the receiver before the transfer fails.</summary>
    public int MaxChunkRetries { get; set; } = 3;

    /// <summary>Unacknowledged bytes per stream, in full blocks of <see cref="BlockSize"/> (smaller blocks count by their size).</summary>
    public int MaxBlocksInFlight { get; set; } = 8;

    /// <summary>Deadline of each call.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Pause before a retry, doubled per attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Workers hashing the source while the manifest is built.</summary>
    public int HashParallelism { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    public void Validate()
    {
        if (ChunkSize < 4096 || ChunkSize % 4096 != 0 || ChunkSize > 1 << 20)
            throw FederationException.InvalidArgument("ChunkSize must be a multiple of 4096 up to 1 MiB");
        if (BlockSize < ChunkSize || BlockSize > SyncLimits.MaxBlockBytes)
            throw FederationException.InvalidArgument($"BlockSize must be between ChunkSize and {SyncLimits.MaxBlockBytes}");
        if (ParallelStreams is < 1 or > 64) throw FederationException.InvalidArgument("ParallelStreams must be between 1 and 64");
        if (BandwidthLimitBytesPerSecond < 0) throw FederationException.InvalidArgument("BandwidthLimitBytesPerSecond must not be negative");
        if (!Enum.IsDefined(Codec)) throw FederationException.InvalidArgument($"unknown codec {Codec}");
        if (CompressionLevel is < -7 or > 22) throw FederationException.InvalidArgument("CompressionLevel must be between -7 and 22");
        if (MaxAttempts < 1) throw FederationException.InvalidArgument("MaxAttempts must be at least 1");
        if (MaxChunkRetries < 0) throw FederationException.InvalidArgument("MaxChunkRetries must not be negative");
        if (MaxBlocksInFlight < 1) throw FederationException.InvalidArgument("MaxBlocksInFlight must be at least 1");
        if (HashParallelism < 1) throw FederationException.InvalidArgument("HashParallelism must be at least 1");
    }
}
