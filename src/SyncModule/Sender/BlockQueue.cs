using System.Collections.Concurrent;

namespace Federation.SyncModule.Sender;

/// <summary>Blocks not yet taken by any stream.</summary>
internal sealed class BlockQueue(IEnumerable<BlockWork> blocks)
{
    private readonly ConcurrentQueue<BlockWork> queue = new(blocks);

    public int Count => queue.Count;

    public bool TryTake(out BlockWork work) => queue.TryDequeue(out work);
}
