using Federation.Common;

namespace Federation.SyncModule.Receiver;

/// <summary>Where a receiver writes and what it accepts. Validated once at start.</summary>
public sealed class SyncReceiverOptions
{
    /// <summary>Every transfer writes a relative subdirectory of this root (e.g. "&lt;app&gt;/&lt;checkpoint&gt;").</summary>
    public string RootDirectory { get; set; } = "";

    public long MaxManifestBytes { get; set; } = 64L << 20;
    public int MaxEntries { get; set; } = 100_000;
    public long MaxTotalBytes { get; set; } = 64L << 30;
    public int MaxChunkSize { get; set; } = 1 << 20;

    /// <summary>Chunk verification failures tolerated per transfer before it is aborted.</summary>
    public int MaxRejectedChunks { get; set; } = 1024;

    public TimeSpan DefaultTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>An open transfer with no call for this long is dropped (its partial files stay for a later resume).</summary>
    public TimeSpan IdleTransferTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many earlier transfers next to the target (same parent directory) serve as chunk sources.</summary>
    public int IndexedSiblingTransfers { get; set; } = 4;

    /// <summary>fsync every file before it is renamed into place.</summary>
    public bool FlushToDisk { get; set; }

    /// <summary>Workers that hash one big file during verification.</summary>
    public int HashParallelism { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(RootDirectory) || !Path.IsPathFullyQualified(RootDirectory))
            throw FederationException.InvalidArgument($"sync root directory '{RootDirectory}' must be an absolute path");
        if (MaxManifestBytes < 1024) throw FederationException.InvalidArgument("MaxManifestBytes must be at least 1024");
        if (MaxEntries < 1) throw FederationException.InvalidArgument("MaxEntries must be at least 1");
        if (MaxTotalBytes < 0) throw FederationException.InvalidArgument("MaxTotalBytes must not be negative");
        if (MaxChunkSize < 4096 || MaxChunkSize % 4096 != 0 || MaxChunkSize > 4 << 20)
            throw FederationException.InvalidArgument("MaxChunkSize must be a multiple of 4096 up to 4 MiB");
        if (HashParallelism < 1) throw FederationException.InvalidArgument("HashParallelism must be at least 1");
    }
}
