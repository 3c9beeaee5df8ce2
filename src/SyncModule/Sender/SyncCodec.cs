namespace Federation.SyncModule.Sender;

/// <summary>How a sender compresses chunk blocks; a block that does not shrink always goes out raw.</summary>
public enum SyncCodec
{
    /// <summary>Every block goes out raw.</summary>
    None,

    /// <summary>
    /// LZ4 block format: several times faster than zstd in both directions for somewhat larger
    /// output, so it costs less CPU than it saves on fast links (loopback, LAN).
    /// </summary>
    Lz4,

    /// <summary>zstd: smaller output for more CPU; right for slow links.</summary>
    Zstd,
}
