using System.Buffers;
using Federation.Common;
using Federation.SyncModule.Chunks;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federation.SyncModule.Sender;

/// <summary>
/// One Push call: takes runs of chunks from the shared queue, packs them into blocks of up to
/// <see cref="SyncSendOptions.BlockSize"/> (thousands of scattered changed pages go out in a few
/// hundred messages), reads and compresses them, sends them, and sends again the chunks the receiver rejects (up to <see cref="SyncSendOptions.MaxChunkRetries"/>
/// times each). It ends when the queue is empty and every block it sent is acknowledged.
/// </summary>
internal sealed class PushStream(
    Sync.SyncClient client, SourceManifest manifest, SourceFiles files, string transferId, BlockQueue queue,
    SyncSendOptions options, BandwidthLimiter? limiter, SendCounters counters)
{
    private readonly Lock gate = new();
    private readonly Dictionary<ulong, List<BlockWork>> outstanding = [];
    private readonly Queue<BlockWork> resends = new();
    private readonly SemaphoreSlim replied = new(0);
    private ulong nextSequence;
    private long bytesInFlight;

    /// <summary>
    /// Unacknowledged raw bytes per stream: <see cref="SyncSendOptions.MaxBlocksInFlight"/> full blocks. Scattered
    /// changed pages go out as many small blocks; counting bytes instead of blocks keeps the pipe full with them.
    /// </summary>
    private long WindowBytes => (long)options.MaxBlocksInFlight * options.BlockSize;

    /// <summary>An upper bound on blocks in flight however small they are (each costs the receiver a reply).</summary>
    private int MaxBlocksInFlight => options.MaxBlocksInFlight * Math.Max(1, options.BlockSize / manifest.ChunkSize);

    private int RawLength(BlockWork work)
    {
        var offset = (long)work.FirstChunk * manifest.ChunkSize;
        return (int)Math.Min((long)work.ChunkCount * manifest.ChunkSize, manifest.Entries[work.Entry].Size - offset);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var call = client.Push(deadline: DateTime.UtcNow + options.CallTimeout, cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new PushMessage { TransferId = transferId }, cancellationToken);
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var replies = ReadRepliesAsync(call.ResponseStream, writing, cancellationToken);

        var raw = ArrayPool<byte>.Shared.Rent(options.BlockSize);
        var packed = ArrayPool<byte>.Shared.Rent(BlockCompressor.BoundFor(options.BlockSize));
        using var compressor = new BlockCompressor(options.Codec, options.CompressionLevel);
        try
        {
            await WriteBlocksAsync(call.RequestStream, replies, raw, packed, compressor, writing.Token);
            await call.RequestStream.CompleteAsync();
            await replies;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A failed write usually means the call ended; the replies carry the receiver's status.
            await Task.WhenAny(replies, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
            if (replies.IsFaulted) await replies;
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            ArrayPool<byte>.Shared.Return(packed);
        }
    }

    private async Task WriteBlocksAsync(IClientStreamWriter<PushMessage> requests, Task replies, byte[] raw, byte[] packed,
        BlockCompressor compressor, CancellationToken cancellationToken)
    {
        BlockWork? carried = null;
        while (true)
        {
            List<BlockWork>? runs;
            lock (gate)
            {
                runs = TakeRuns(ref carried);
                if (runs is null && carried is null && outstanding.Count == 0 && resends.Count == 0 && queue.Count == 0) break;
            }
            if (runs is null)
            {
                await replied.WaitAsync(cancellationToken);
                if (replies.IsCompleted)
                {
                    await replies;
                    throw new RpcException(new Status(StatusCode.Unavailable, "the receiver ended the push before acknowledging every block"));
                }
                continue;
            }

            var block = new ChunkBlock { Sequence = nextSequence++ };
            var length = 0;
            foreach (var run in runs)
            {
                var runLength = RawLength(run);
                await FileChunkHasher.ReadExactlyAsync(files.Get(run.Entry), raw.AsMemory(length, runLength),
                    (long)run.FirstChunk * manifest.ChunkSize, cancellationToken);
                length += runLength;
                block.Runs.Add(new ChunkRun { Entry = (uint)run.Entry, FirstChunk = (uint)run.FirstChunk, ChunkCount = (uint)run.ChunkCount });
            }
            var compressed = compressor.TryCompress(raw.AsSpan(0, length), packed);
            var data = compressed >= 0 ? packed.AsMemory(0, compressed) : raw.AsMemory(0, length);
            if (limiter is not null) await limiter.WaitAsync(data.Length, cancellationToken);
            block.Codec = compressed >= 0 ? compressor.Codec : ChunkCodec.None;
            // The buffer is reused only after WriteAsync has serialized the message.
            block.Data = UnsafeByteOperations.UnsafeWrap(data);
            lock (gate)
            {
                outstanding[block.Sequence] = runs;
                bytesInFlight += length;
            }
            await requests.WriteAsync(new PushMessage { Block = block }, cancellationToken);
            counters.AddBlock(length, data.Length);
        }
    }

    /// <summary>
    /// Runs for the next block, resends first, while the window allows: as many as fit in one block.
    /// A run that does not fit is carried to the next block. Null when nothing may be sent now.
    /// </summary>
    private List<BlockWork>? TakeRuns(ref BlockWork? carried)
    {
        var windowOpen = bytesInFlight < WindowBytes && outstanding.Count < MaxBlocksInFlight;
        if (!windowOpen && resends.Count == 0) return null;
        List<BlockWork>? runs = null;
        var length = 0;
        while (true)
        {
            BlockWork next;
            if (carried is { } held) next = held;
            else if (!resends.TryDequeue(out next) && !(windowOpen && queue.TryTake(out next))) break;
            carried = null;
            var nextLength = RawLength(next);
            if (runs is not null && length + nextLength > options.BlockSize)
            {
                carried = next;
                break;
            }
            (runs ??= []).Add(next);
            length += nextLength;
        }
        return runs;
    }

    /// <summary>Queues a rejected chunk again, as a run of its own, unless it has failed too often.</summary>
    private void Resend(List<BlockWork> runs, int entry, int chunk)
    {
        var work = runs.Find(r => r.Entry == entry && chunk >= r.FirstChunk && chunk < r.FirstChunk + r.ChunkCount);
        if (work.ChunkCount == 0)
            throw new FederationException(FederationError.Internal, $"the receiver rejected chunk {chunk} of entry {entry}, which the block did not hold");
        if (work.Retries >= options.MaxChunkRetries)
            throw new FederationException(FederationError.Aborted,
                $"chunk {chunk} of '{manifest.Entries[entry].Path}' failed verification {work.Retries + 1} times; did the source change?");
        resends.Enqueue(new BlockWork(entry, chunk, 1, work.Retries + 1));
    }

    private async Task ReadRepliesAsync(IAsyncStreamReader<PushReply> responses, CancellationTokenSource writing,
        CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var reply in responses.ReadAllAsync(cancellationToken))
            {
                lock (gate)
                {
                    if (!outstanding.Remove(reply.Sequence, out var runs)) continue;
                    foreach (var run in runs) bytesInFlight -= RawLength(run);
                    foreach (var rejected in reply.RejectedRuns)
                        for (var chunk = rejected.FirstChunk; chunk < rejected.FirstChunk + rejected.ChunkCount; chunk++)
                            Resend(runs, (int)rejected.Entry, (int)chunk);
                }
                var resent = reply.RejectedRuns.Sum(r => (int)r.ChunkCount);
                if (resent > 0) counters.AddResent(resent);
                if (reply.CompletedEntries.Count > 0) counters.AddFilesCompleted(reply.CompletedEntries.Count);
                replied.Release();
            }
        }
        catch
        {
            await writing.CancelAsync();
            throw;
        }
        finally
        {
            replied.Release();
        }
    }
}
