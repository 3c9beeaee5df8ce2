using System.Buffers;
using Federation.Common;
using Federation.SyncModule.Chunks;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federation.SyncModule.Sender;

/// <summary>
/// One Push call: takes blocks from the shared queue, reads and compresses them, sends them, and
/// sends again the chunks the receiver rejects (up to <see cref="SyncSendOptions.MaxChunkRetries"/>
/// times each). It ends when the queue is empty and every block it sent is acknowledged.
/// </summary>
internal sealed class PushStream(
    Sync.SyncClient client, SourceManifest manifest, SourceFiles files, string transferId, BlockQueue queue,
    SyncSendOptions options, BandwidthLimiter? limiter, SendCounters counters)
{
    private readonly Lock gate = new();
    private readonly Dictionary<ulong, BlockWork> outstanding = [];
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
        var chunkSize = manifest.ChunkSize;
        while (true)
        {
            BlockWork work;
            bool take;
            lock (gate)
            {
                take = resends.TryDequeue(out work)
                    || (bytesInFlight < WindowBytes && outstanding.Count < MaxBlocksInFlight && queue.TryTake(out work));
                if (!take && outstanding.Count == 0 && resends.Count == 0 && queue.Count == 0) break;
            }
            if (!take)
            {
                await replied.WaitAsync(cancellationToken);
                if (replies.IsCompleted)
                {
                    await replies;
                    throw new RpcException(new Status(StatusCode.Unavailable, "the receiver ended the push before acknowledging every block"));
                }
                continue;
            }

            var offset = (long)work.FirstChunk * chunkSize;
            var length = RawLength(work);
            await FileChunkHasher.ReadExactlyAsync(files.Get(work.Entry), raw.AsMemory(0, length), offset, cancellationToken);
            var compressed = compressor.TryCompress(raw.AsSpan(0, length), packed);
            var data = compressed >= 0 ? packed.AsMemory(0, compressed) : raw.AsMemory(0, length);
            if (limiter is not null) await limiter.WaitAsync(data.Length, cancellationToken);

            var block = new ChunkBlock
            {
                Sequence = nextSequence++,
                Entry = (uint)work.Entry,
                FirstChunk = (uint)work.FirstChunk,
                ChunkCount = (uint)work.ChunkCount,
                Codec = compressed >= 0 ? compressor.Codec : ChunkCodec.None,
                // The buffer is reused only after WriteAsync has serialized the message.
                Data = UnsafeByteOperations.UnsafeWrap(data),
            };
            lock (gate)
            {
                outstanding[block.Sequence] = work;
                bytesInFlight += length;
            }
            await requests.WriteAsync(new PushMessage { Block = block }, cancellationToken);
            counters.AddBlock(length, data.Length);
        }
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
                    if (!outstanding.Remove(reply.Sequence, out var work)) continue;
                    bytesInFlight -= RawLength(work);
                    foreach (var chunk in reply.RejectedChunks)
                    {
                        if (work.Retries >= options.MaxChunkRetries)
                            throw new FederationException(FederationError.Aborted,
                                $"chunk {chunk} of '{manifest.Entries[work.Entry].Path}' failed verification {work.Retries + 1} times; did the source change?");
                        resends.Enqueue(new BlockWork(work.Entry, (int)chunk, 1, work.Retries + 1));
                    }
                }
                if (reply.RejectedChunks.Count > 0) counters.AddResent(reply.RejectedChunks.Count);
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
