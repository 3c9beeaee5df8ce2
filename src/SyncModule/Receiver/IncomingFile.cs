using Federation.Common;
using Federation.SyncModule.Chunks;
using Microsoft.Win32.SafeHandles;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// One file being received: a partial file next to its final name, a bitmap of verified chunks,
/// and the final check (every chunk read back and compared, then the whole-file digest) before the
/// rename. Callers hold <see cref="Gate"/> for every member that reads or changes state.
/// </summary>
internal sealed class IncomingFile(ReceivedEntry entry, string partialPath, string finalPath, int chunkSize) : IDisposable
{
    private readonly ulong[] verified = new ulong[(entry.ChunkCount + 63) / 64];
    private SafeFileHandle? handle;

    /// <summary>Serializes writes, marks and the final check of this file.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public ReceivedEntry Entry { get; } = entry;
    public string PartialPath { get; } = partialPath;
    public string FinalPath { get; } = finalPath;
    public int Remaining { get; private set; } = entry.ChunkCount;
    public bool Finalized { get; private set; }

    public bool IsVerified(int chunk) => (verified[chunk >> 6] & (1UL << (chunk & 63))) != 0;

    /// <summary>Records a chunk as verified on disk; false when it already was.</summary>
    public bool MarkVerified(int chunk)
    {
        ref var word = ref verified[chunk >> 6];
        var bit = 1UL << (chunk & 63);
        if ((word & bit) != 0) return false;
        word |= bit;
        Remaining--;
        return true;
    }

    public SafeFileHandle Handle => handle ??= OpenPartial();

    public bool PartialExists => File.Exists(PartialPath);

    /// <summary>Writes verified bytes of consecutive chunks starting at <paramref name="firstChunk"/>.</summary>
    public void Write(int firstChunk, ReadOnlySpan<byte> bytes) => RandomAccess.Write(Handle, bytes, (long)firstChunk * chunkSize);

    public async Task FinalizeAsync(bool flushToDisk, int parallelism, CancellationToken cancellationToken)
    {
        if (Finalized) return;
        if (Remaining != 0) throw new InvalidOperationException($"{Entry.Path} still misses {Remaining} chunks");
        var file = Handle;
        var sameChunks = await FileChunkHasher.VerifyAsync(file, Entry.Size, chunkSize, Entry.ChunkDigests, parallelism, cancellationToken);
        if (!sameChunks || !ChunkDigest.FileDigest(Entry.ChunkDigests).AsSpan().SequenceEqual(Entry.FileDigest))
        {
            Array.Clear(verified);
            Remaining = Entry.ChunkCount;
            throw new FederationException(FederationError.Aborted,
                $"'{RelativePath.Shorten(Entry.Path)}' failed its whole-file check; its chunks will be requested again");
        }
        UnixModes.Set(file, Entry.Mode);
        if (flushToDisk)
        {
            using var stream = new FileStream(file, FileAccess.ReadWrite);
            stream.Flush(flushToDisk: true);
        }
        CloseHandle();
        File.Move(PartialPath, FinalPath, overwrite: true);
        Finalized = true;
    }

    public void CloseHandle()
    {
        handle?.Dispose();
        handle = null;
    }

    public void Dispose()
    {
        CloseHandle();
        Gate.Dispose();
    }

    private SafeFileHandle OpenPartial()
    {
        var info = new FileInfo(PartialPath);
        if (info.LinkTarget is not null) info.Delete();
        var opened = File.OpenHandle(PartialPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            UnixModes.Set(opened, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (RandomAccess.GetLength(opened) != Entry.Size) RandomAccess.SetLength(opened, Entry.Size);
            return opened;
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }
}
