using Microsoft.Win32.SafeHandles;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// Consecutive chunks of one partial file (from <see cref="FirstChunk"/>) that lie one after another in a local
/// source from <see cref="Offset"/>: copied with one read. <see cref="FromIndex"/> marks a source found through the chunk index.
/// </summary>
internal readonly record struct LocalRun(SafeFileHandle Source, long Offset, int FirstChunk, int Count, bool FromIndex)
{
    /// <summary>True when chunk <paramref name="chunk"/> read from <paramref name="source"/> at <paramref name="offset"/> continues this run.</summary>
    public bool ContinuesWith(SafeFileHandle source, long offset, int chunk, int chunkSize) =>
        Count > 0 && ReferenceEquals(Source, source) && chunk == FirstChunk + Count && offset == Offset + (long)Count * chunkSize;
}
