using System.Buffers;
using Federation.SyncModule.Chunks;
using Microsoft.Win32.SafeHandles;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// Copies chunks the receiver already holds into a partial file, each read back and checked
/// against the wanted digest first (a stale index entry or a changed file is simply a miss).
/// Runs of chunks that lie one after another in the source are read with one call, checked chunk
/// by chunk in memory, and written with one call per run of matches.
/// </summary>
internal sealed class LocalChunkCopier : IDisposable
{
    /// <summary>Largest run read at once (256 chunks of 4 KiB).</summary>
    public const int MaxRunBytes = 1 << 20;

    private readonly ChunkSources sources;
    private readonly int chunkSize;
    private readonly Dictionary<int, SafeFileHandle?> sourceFiles = [];
    private readonly byte[] buffer;

    public LocalChunkCopier(ChunkSources sources, int chunkSize)
    {
        this.sources = sources;
        this.chunkSize = chunkSize;
        buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MaxRunBytes, chunkSize));
    }

    /// <summary>Chunks per run read at once.</summary>
    public int MaxRunChunks => Math.Max(1, MaxRunBytes / chunkSize);

    public SafeFileHandle? SourceFile(ChunkSource source) => OpenSource(source.FileId);

    public bool TryCopyFromSource(ChunkSource source, IncomingFile destination, int chunk)
    {
        var file = OpenSource(source.FileId);
        return file is not null && TryCopy(file, (long)source.Chunk * chunkSize, destination, chunk);
    }

    public bool TryCopy(SafeFileHandle source, long offset, IncomingFile destination, int chunk) =>
        CopyRun(source, offset, destination, chunk, 1, default) == 1;

    /// <summary>
    /// Copies chunks <paramref name="firstChunk"/>.. of <paramref name="destination"/> from consecutive bytes of
    /// <paramref name="source"/>; every chunk is checked against its digest and only matches are written and marked
    /// verified. <paramref name="copied"/> (when given) tells which ones; returns how many were copied.
    /// </summary>
    public int CopyRun(SafeFileHandle source, long offset, IncomingFile destination, int firstChunk, int count, Span<bool> copied)
    {
        var entry = destination.Entry;
        var start = (long)firstChunk * chunkSize;
        var length = (int)Math.Min((long)count * chunkSize, entry.Size - start);
        var bytes = buffer.AsSpan(0, length);
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(source, bytes[read..], offset + read);
            if (n == 0) break;
            read += n;
        }

        var done = 0;
        var runStart = -1;
        for (var i = 0; i <= count; i++)
        {
            var matches = false;
            if (i < count)
            {
                var chunkStart = i * chunkSize;
                var chunkLength = Math.Min(chunkSize, length - chunkStart);
                matches = chunkStart + chunkLength <= read
                    && ChunkDigest.Matches(bytes.Slice(chunkStart, chunkLength), ChunkDigest.Of(entry.ChunkDigests, firstChunk + i));
                if (!copied.IsEmpty) copied[i] = matches;
            }
            if (matches)
            {
                if (runStart < 0) runStart = i;
                continue;
            }
            if (runStart < 0) continue;
            var from = runStart * chunkSize;
            destination.Write(firstChunk + runStart, bytes[from..Math.Min(i * chunkSize, length)]);
            for (var c = runStart; c < i; c++) destination.MarkVerified(firstChunk + c);
            done += i - runStart;
            runStart = -1;
        }
        return done;
    }

    private SafeFileHandle? OpenSource(int fileId)
    {
        if (sourceFiles.TryGetValue(fileId, out var open)) return open;
        try
        {
            open = File.OpenHandle(sources.PathOf(fileId), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            open = null;
        }
        sourceFiles[fileId] = open;
        return open;
    }

    public void Dispose()
    {
        foreach (var file in sourceFiles.Values) file?.Dispose();
        sourceFiles.Clear();
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
