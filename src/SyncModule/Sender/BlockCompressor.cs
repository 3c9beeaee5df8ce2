using Federation.V1;
using K4os.Compression.LZ4;
using ZstdSharp;

namespace Federation.SyncModule.Sender;

/// <summary>
/// LZ4 or zstd per block. A block that does not shrink goes out raw; after such a miss the next
/// blocks of the stream skip the attempt (1, 3, 7, ... up to 31), so incompressible data such as
/// encrypted memory costs little CPU, while data that starts to compress again is found by the next probe.
/// </summary>
internal sealed class BlockCompressor : IDisposable
{
    private const int MaxSkip = 31;
    private readonly Compressor? zstd;
    private readonly LZ4Level lz4Level;
    private int misses;
    private int skip;

    public BlockCompressor(SyncCodec codec, int level)
    {
        Codec = level == 0 ? ChunkCodec.None : codec switch
        {
            SyncCodec.Lz4 => ChunkCodec.Lz4,
            SyncCodec.Zstd => ChunkCodec.Zstd,
            _ => ChunkCodec.None,
        };
        if (Codec == ChunkCodec.Zstd) zstd = new Compressor(level);
        lz4Level = level <= 2 ? LZ4Level.L00_FAST : (LZ4Level)Math.Min(level, (int)LZ4Level.L12_MAX);
    }

    /// <summary>The codec of the blocks this compressor shrinks (<see cref="ChunkCodec.None"/> when it is off).</summary>
    public ChunkCodec Codec { get; }

    public static int BoundFor(int length) => Math.Max(Compressor.GetCompressBound(length), LZ4Codec.MaximumOutputSize(length));

    /// <summary>The compressed length, or -1 when the block should go out raw.</summary>
    public int TryCompress(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        if (Codec == ChunkCodec.None) return -1;
        if (skip > 0)
        {
            skip--;
            return -1;
        }
        var written = Compress(raw, destination);
        if (written > 0 && written < raw.Length)
        {
            misses = 0;
            return written;
        }
        misses++;
        skip = Math.Min((1 << Math.Min(misses, 5)) - 1, MaxSkip);
        return -1;
    }

    private int Compress(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        if (Codec == ChunkCodec.Lz4) return LZ4Codec.Encode(raw, destination, lz4Level);
        return zstd!.TryWrap(raw, destination, out var written) ? written : -1;
    }

    public void Dispose() => zstd?.Dispose();
}
