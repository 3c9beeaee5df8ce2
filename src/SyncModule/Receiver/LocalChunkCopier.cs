using Federation.SyncModule.Chunks;
using Microsoft.Win32.SafeHandles;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// Copies chunks the receiver already holds into a partial file, each read back and checked
/// against the wanted digest first (a stale index entry or a changed file is simply a miss).
/// </summary>
internal sealed class LocalChunkCopier(ChunkSources sources, int chunkSize) : IDisposable
{
    private readonly Dictionary<int, SafeFileHandle?> sourceFiles = [];
    private readonly byte[] buffer = new byte[chunkSize];

    public bool TryCopyFromSource(ChunkSource source, IncomingFile destination, int chunk)
    {
        var file = OpenSource(source.FileId);
        return file is not null && TryCopy(file, (long)source.Chunk * chunkSize, destination, chunk);
    }

    public bool TryCopy(SafeFileHandle source, long offset, IncomingFile destination, int chunk)
    {
        var length = ChunkDigest.ChunkLength(destination.Entry.Size, chunkSize, chunk);
        var bytes = buffer.AsSpan(0, length);
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(source, bytes[read..], offset + read);
            if (n == 0) return false;
            read += n;
        }
        if (!ChunkDigest.Matches(bytes, ChunkDigest.Of(destination.Entry.ChunkDigests, chunk))) return false;
        destination.Write(chunk, bytes);
        destination.MarkVerified(chunk);
        return true;
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
    }
}
