using Federation.Common;
using Federation.V1;
using K4os.Compression.LZ4;
using ZstdSharp;

namespace Federation.SyncModule.Receiver;

/// <summary>Restores the data of a chunk block by its codec; one per Push call (the zstd context is reused).</summary>
internal sealed class BlockDecompressor : IDisposable
{
    private Decompressor? zstd;

    /// <summary>
    /// Decompresses <paramref name="data"/> into exactly <paramref name="destination"/>; empty when the
    /// data is damaged or has another length (its chunks are then rejected and sent again).
    /// </summary>
    public ReadOnlyMemory<byte> Decompress(ChunkCodec codec, ReadOnlySpan<byte> data, Memory<byte> destination)
    {
        try
        {
            var written = codec switch
            {
                ChunkCodec.Lz4 => LZ4Codec.Decode(data, destination.Span),
                ChunkCodec.Zstd => (zstd ??= new Decompressor()).TryUnwrap(data, destination.Span, out var unwrapped) ? unwrapped : -1,
                _ => throw FederationException.InvalidArgument($"unknown chunk codec {codec}"),
            };
            return written == destination.Length ? destination : ReadOnlyMemory<byte>.Empty;
        }
        catch (Exception e) when (e is ZstdException or InvalidDataException or ArgumentException or IndexOutOfRangeException)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
    }

    public void Dispose() => zstd?.Dispose();
}
