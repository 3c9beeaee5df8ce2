using ZstdSharp;

namespace Federation.SyncModule.Sender;

/// <summary>
/// zstd per block. A block that does not shrink goes out raw; after such a miss the next blocks of
/// the stream skip the attempt (1, 3, 7, ... up to 31), so incompressible data such as encrypted
/// memory costs little CPU, while data that starts to compress again is found by the next probe.
/// </summary>
internal sealed class BlockCompressor(int level) : IDisposable
{
    private const int MaxSkip = 31;
    private readonly Compressor? zstd = level != 0 ? new Compressor(level) : null;
    private int misses;
    private int skip;

    public static int BoundFor(int length) => Compressor.GetCompressBound(length);

    /// <summary>The compressed length, or -1 when the block should go out raw.</summary>
    public int TryCompress(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        if (zstd is null) return -1;
        if (skip > 0)
        {
            skip--;
            return -1;
        }
        if (zstd.TryWrap(raw, destination, out var written) && written < raw.Length)
        {
            misses = 0;
            return written;
        }
        misses++;
        skip = Math.Min((1 << Math.Min(misses, 5)) - 1, MaxSkip);
        return -1;
    }

    public void Dispose() => zstd?.Dispose();
}
