using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Federation.SyncModule.Chunks;

/// <summary>Receives the digest of one chunk; called from several workers at once, each chunk once.</summary>
internal delegate void ChunkDigestSink(int chunk, ReadOnlySpan<byte> digest);

/// <summary>Hashes every chunk of a file in 1 MiB segments that several workers share.</summary>
internal static class FileChunkHasher
{
    private const int SegmentBytes = 1 << 20;

    public static Task HashIntoAsync(
        SafeFileHandle file, long length, int chunkSize, byte[] digests, int parallelism, CancellationToken cancellationToken) =>
        HashAsync(file, length, chunkSize, (chunk, digest) => digest.CopyTo(digests.AsSpan(chunk * ChunkDigest.Size)),
            parallelism, cancellationToken);

    /// <summary>True when every chunk of the file has the expected digest.</summary>
    public static async Task<bool> VerifyAsync(
        SafeFileHandle file, long length, int chunkSize, byte[] expected, int parallelism, CancellationToken cancellationToken)
    {
        var mismatch = 0;
        await HashAsync(file, length, chunkSize, (chunk, digest) =>
        {
            if (!digest.SequenceEqual(ChunkDigest.Of(expected, chunk))) Volatile.Write(ref mismatch, 1);
        }, parallelism, cancellationToken);
        return mismatch == 0;
    }

    public static async Task HashAsync(
        SafeFileHandle file, long length, int chunkSize, ChunkDigestSink sink, int parallelism, CancellationToken cancellationToken)
    {
        var chunks = ChunkDigest.ChunkCount(length, chunkSize);
        if (chunks == 0) return;
        var chunksPerSegment = Math.Max(1, SegmentBytes / chunkSize);
        var segments = (chunks + chunksPerSegment - 1) / chunksPerSegment;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Clamp(parallelism, 1, segments),
            CancellationToken = cancellationToken,
        };
        await Parallel.ForAsync(0, segments, options, async (segment, token) =>
        {
            var first = segment * chunksPerSegment;
            var count = Math.Min(chunksPerSegment, chunks - first);
            var offset = (long)first * chunkSize;
            var bytes = (int)Math.Min((long)count * chunkSize, length - offset);
            var buffer = ArrayPool<byte>.Shared.Rent(bytes);
            try
            {
                await ReadExactlyAsync(file, buffer.AsMemory(0, bytes), offset, token);
                HashSegment(buffer.AsSpan(0, bytes), chunkSize, first, sink);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
    }

    private static void HashSegment(ReadOnlySpan<byte> bytes, int chunkSize, int firstChunk, ChunkDigestSink sink)
    {
        Span<byte> digest = stackalloc byte[ChunkDigest.Size];
        for (int start = 0, chunk = firstChunk; start < bytes.Length; start += chunkSize, chunk++)
        {
            ChunkDigest.Compute(bytes.Slice(start, Math.Min(chunkSize, bytes.Length - start)), digest);
            sink(chunk, digest);
        }
    }

    public static async ValueTask ReadExactlyAsync(SafeFileHandle file, Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = await RandomAccess.ReadAsync(file, buffer[done..], offset + done, cancellationToken);
            if (read == 0) throw new EndOfStreamException($"file ended at {offset + done} bytes while {offset + buffer.Length} were expected");
            done += read;
        }
    }
}
