using Federation.Common;
using Federation.V1;

namespace Federation.SyncModule.Sender;

/// <summary>The chunk ranges a receiver asked for, cut into blocks of at most a given number of chunks.</summary>
internal sealed class NeedList(SourceManifest manifest)
{
    private readonly List<BlockWork> ranges = [];

    public NeedSummary? Summary { get; set; }

    public void Add(ChunkNeeds needs)
    {
        if (needs.Entry >= manifest.Entries.Count || manifest.Entries[(int)needs.Entry].Kind != EntryKind.File || needs.Ranges.Count % 2 != 0)
            throw new FederationException(FederationError.Internal, $"the receiver asked for chunks of entry {needs.Entry}, which is not a file");
        var chunks = (uint)(manifest.Entries[(int)needs.Entry].ChunkDigests.Length / Chunks.ChunkDigest.Size);
        for (var i = 0; i < needs.Ranges.Count; i += 2)
        {
            var (first, count) = (needs.Ranges[i], needs.Ranges[i + 1]);
            if (count == 0 || first >= chunks || count > chunks - first)
                throw new FederationException(FederationError.Internal, $"the receiver asked for chunks outside entry {needs.Entry}");
            ranges.Add(new BlockWork((int)needs.Entry, (int)first, (int)count));
        }
    }

    public IEnumerable<BlockWork> Blocks(int chunksPerBlock)
    {
        foreach (var range in ranges)
            for (var first = 0; first < range.ChunkCount; first += chunksPerBlock)
                yield return range with { FirstChunk = range.FirstChunk + first, ChunkCount = Math.Min(chunksPerBlock, range.ChunkCount - first) };
    }
}
