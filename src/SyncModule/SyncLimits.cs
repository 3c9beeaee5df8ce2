namespace Federation.SyncModule;

/// <summary>Sizes both ends agree on.</summary>
internal static class SyncLimits
{
    /// <summary>Largest uncompressed block of consecutive chunks in one Push message.</summary>
    public const int MaxBlockBytes = 4 << 20;

    /// <summary>Largest gRPC message the receiver accepts (a block plus its framing).</summary>
    public const int MaxMessageBytes = MaxBlockBytes + (64 << 10);

    /// <summary>Chunk digests per manifest message (128 KiB).</summary>
    public const int DigestsPerMessage = 8192;
}
