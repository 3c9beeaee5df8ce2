using System.Buffers.Binary;
using System.IO.Hashing;

namespace Federation.SyncModule.Chunks;

/// <summary>
/// Chunk identity: XXH128 of the chunk (16 bytes). A file's whole-content digest is XXH128 over its
/// chunk digests in order (one level of a hash tree), recomputed by the receiver from the bytes on
/// disk before the rename. XXH128 guards against corruption and bugs at about ten times the speed
/// of SHA-256 here; authenticity comes from TLS and the one-time token, not from these digests.
/// </summary>
internal static class ChunkDigest
{
    public const int Size = 16;
    public const int PageSize = 4096;

    public static void Compute(ReadOnlySpan<byte> chunk, Span<byte> destination) => XxHash128.Hash(chunk, destination);

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

    public static byte[] FileDigest(ReadOnlySpan<byte> chunkDigests) => XxHash128.Hash(chunkDigests);

    public static int ChunkCount(long size, int chunkSize) => checked((int)((size + chunkSize - 1) / chunkSize));

    public static int ChunkLength(long size, int chunkSize, int chunk) =>
        (int)Math.Min(chunkSize, size - (long)chunk * chunkSize);
}
