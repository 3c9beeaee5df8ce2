using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Federation.SyncModule.Chunks;

/// <summary>
/// Chunk identity: the first 16 bytes of SHA-256 of the chunk. A file's whole-content digest is
/// SHA-256 over its chunk digests in order (one level of a hash tree), so sender and receiver each
/// hash the bytes once per pass.
/// </summary>
internal static class ChunkDigest
{
    public const int Size = 16;
    public const int PageSize = 4096;

    public static void Compute(ReadOnlySpan<byte> chunk, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(chunk, full);
        full[..Size].CopyTo(destination);
    }

    public static bool Matches(ReadOnlySpan<byte> chunk, ReadOnlySpan<byte> expected)
    {
        Span<byte> actual = stackalloc byte[Size];
        Compute(chunk, actual);
        return actual.SequenceEqual(expected);
    }

    /// <summary>A 64-bit lookup key taken from a digest; full digests are compared on every hit.</summary>
    public static ulong Key(ReadOnlySpan<byte> digests, int chunk) =>
        BinaryPrimitives.ReadUInt64LittleEndian(digests.Slice(chunk * Size, sizeof(ulong)));

    public static ReadOnlySpan<byte> Of(ReadOnlySpan<byte> digests, int chunk) => digests.Slice(chunk * Size, Size);

    public static byte[] FileDigest(ReadOnlySpan<byte> chunkDigests) => SHA256.HashData(chunkDigests);

    public static int ChunkCount(long size, int chunkSize) => checked((int)((size + chunkSize - 1) / chunkSize));

    public static int ChunkLength(long size, int chunkSize, int chunk) =>
        (int)Math.Min(chunkSize, size - (long)chunk * chunkSize);
}
