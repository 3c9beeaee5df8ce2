using System.Buffers;
using Federation.Common;
using Federation.SyncModule.Chunks;
using Federation.V1;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// One open transfer on the receiver: its manifest, a partial file per file entry, which chunks
/// are verified, and which missing chunks are duplicates of another missing chunk (written when
/// that one arrives, never sent twice).
/// </summary>
internal sealed class TransferSession : IDisposable
{
    private const int MaxRangesPerMessage = 8192;

    private readonly SyncReceiverOptions options;
    private readonly SyncReceiverStats stats;
    private readonly IncomingFile?[] files;
    private readonly Dictionary<long, List<long>> duplicatesOf = [];
    private readonly HashSet<long> waitingDuplicates = [];
    private readonly CancellationTokenSource lifetime = new();
    private readonly long opened = System.Diagnostics.Stopwatch.GetTimestamp();
    private int rejectedChunks;
    private long presentBytes;
    private long neededBytes;

    public TransferSession(string id, ReceivedManifest manifest, TargetDirectory target, SyncReceiverOptions options,
        SyncReceiverStats stats, TimeProvider time)
    {
        Id = id;
        Manifest = manifest;
        Target = target;
        this.options = options;
        this.stats = stats;
        Time = time;
        files = new IncomingFile?[manifest.Entries.Count];
        Touch();
    }

    public string Id { get; }
    public ReceivedManifest Manifest { get; }
    public TargetDirectory Target { get; }
    public Task Prepared { get; private set; } = Task.CompletedTask;
    public DateTimeOffset LastActivity { get; private set; }

    /// <summary>How long the offer's manifest took to read and check (timing log).</summary>
    public TimeSpan ManifestRead { get; set; }

    /// <summary>How long the local pass took (index load, chunks copied, complete files finished; timing log).</summary>
    public TimeSpan PrepareTime { get; private set; }

    /// <summary>Since the session was opened.</summary>
    public TimeSpan Open => System.Diagnostics.Stopwatch.GetElapsedTime(opened);
    private TimeProvider Time { get; }

    public void Touch() => LastActivity = Time.GetUtcNow();

    /// <summary>Starts the local pass on the session's own lifetime, so a broken Offer call does not cut it short.</summary>
    public void StartPrepare(Func<ChunkSources> loadSources) =>
        Prepared = Task.Run(async () =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await PrepareAsync(loadSources(), lifetime.Token);
            PrepareTime = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }, lifetime.Token);

    private async Task PrepareAsync(ChunkSources sources, CancellationToken cancellationToken)
    {
        Target.EnsureDirectory(null);
        foreach (var entry in Manifest.Entries)
        {
            if (entry.Kind == EntryKind.Directory) Target.EnsureDirectory(entry.Path);
            if (entry.Kind != EntryKind.File) continue;
            var final = Target.PrepareFilePath(entry.Path);
            files[entry.Index] = new IncomingFile(entry, Target.PartialPathOf(entry.Path), final, Manifest.ChunkSize);
        }

        var verifiedAt = new Dictionary<ulong, long>();
        foreach (var file in files)
        {
            if (file is null || !file.PartialExists || file.Entry.ChunkCount == 0) continue;
            await AdoptPartialAsync(file, verifiedAt, cancellationToken);
        }

        var neededAt = new Dictionary<ulong, long>();
        using (var copier = new LocalChunkCopier(sources, Manifest.ChunkSize))
        {
            var copied = new bool[copier.MaxRunChunks];
            foreach (var file in files)
            {
                if (file is null) continue;
                var run = default(LocalRun);
                for (var chunk = 0; chunk < file.Entry.ChunkCount; chunk++)
                {
                    if (file.IsVerified(chunk)) continue;
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!TryFindLocal(file, chunk, copier, sources, verifiedAt, out var source, out var offset, out var fromIndex))
                    {
                        CopyRun(file, run, copier, sources, copied, verifiedAt, neededAt);
                        run = default;
                        PlaceMissing(file, chunk, neededAt);
                    }
                    else if (run.Count < copied.Length && run.ContinuesWith(source, offset, chunk, Manifest.ChunkSize))
                    {
                        run = run with { Count = run.Count + 1 };
                    }
                    else
                    {
                        CopyRun(file, run, copier, sources, copied, verifiedAt, neededAt);
                        run = new LocalRun(source, offset, chunk, 1, fromIndex);
                    }
                }
                CopyRun(file, run, copier, sources, copied, verifiedAt, neededAt);
                if (file.Remaining > 0) file.CloseHandle();
            }
        }

        foreach (var file in files)
        {
            if (file is null || file.Remaining > 0) continue;
            await file.FinalizeAsync(options.FlushToDisk, options.HashParallelism, cancellationToken);
        }
    }

    /// <summary>A partial file from a broken attempt: every chunk that already matches the manifest counts as verified.</summary>
    private async Task AdoptPartialAsync(IncomingFile file, Dictionary<ulong, long> verifiedAt, CancellationToken cancellationToken)
    {
        var entry = file.Entry;
        var matches = new bool[entry.ChunkCount];
        await FileChunkHasher.HashAsync(file.Handle, entry.Size, Manifest.ChunkSize,
            (chunk, digest) => matches[chunk] = digest.SequenceEqual(ChunkDigest.Of(entry.ChunkDigests, chunk)),
            options.HashParallelism, cancellationToken);
        for (var chunk = 0; chunk < matches.Length; chunk++)
        {
            if (!matches[chunk]) continue;
            file.MarkVerified(chunk);
            verifiedAt.TryAdd(ChunkDigest.Key(entry.ChunkDigests, chunk), Position(entry.Index, chunk));
            Present(ChunkDigest.ChunkLength(entry.Size, Manifest.ChunkSize, chunk), copied: true);
        }
    }

    /// <summary>Where the receiver already holds the bytes of a chunk: earlier in this transfer, or in an indexed earlier transfer.</summary>
    private bool TryFindLocal(IncomingFile file, int chunk, LocalChunkCopier copier, ChunkSources sources, Dictionary<ulong, long> verifiedAt,
        out Microsoft.Win32.SafeHandles.SafeFileHandle source, out long offset, out bool fromIndex)
    {
        var key = ChunkDigest.Key(file.Entry.ChunkDigests, chunk);
        if (verifiedAt.TryGetValue(key, out var at))
        {
            source = files[EntryOf(at)]!.Handle;
            offset = (long)ChunkOf(at) * Manifest.ChunkSize;
            fromIndex = false;
            return true;
        }
        if (sources.TryFind(key, out var indexed) && copier.SourceFile(indexed) is { } handle)
        {
            source = handle;
            offset = (long)indexed.Chunk * Manifest.ChunkSize;
            fromIndex = true;
            return true;
        }
        source = null!;
        offset = 0;
        fromIndex = false;
        return false;
    }

    /// <summary>Copies a run of local chunks (each checked); a chunk that does not match is tried in the index, then counted as needed.</summary>
    private void CopyRun(IncomingFile file, LocalRun run, LocalChunkCopier copier, ChunkSources sources, Span<bool> copied,
        Dictionary<ulong, long> verifiedAt, Dictionary<ulong, long> neededAt)
    {
        if (run.Count == 0) return;
        copier.CopyRun(run.Source, run.Offset, file, run.FirstChunk, run.Count, copied);
        for (var i = 0; i < run.Count; i++)
        {
            var chunk = run.FirstChunk + i;
            var key = ChunkDigest.Key(file.Entry.ChunkDigests, chunk);
            var length = ChunkDigest.ChunkLength(file.Entry.Size, Manifest.ChunkSize, chunk);
            if (copied[i] || (!run.FromIndex && sources.TryFind(key, out var indexed) && copier.TryCopyFromSource(indexed, file, chunk)))
            {
                verifiedAt.TryAdd(key, Position(file.Entry.Index, chunk));
                Present(length, copied: true);
            }
            else
            {
                PlaceMissing(file, chunk, neededAt);
            }
        }
    }

    /// <summary>A chunk no local source holds: needed from the sender, or a duplicate of a needed chunk (written when that one arrives).</summary>
    private void PlaceMissing(IncomingFile file, int chunk, Dictionary<ulong, long> neededAt)
    {
        var entry = file.Entry;
        var key = ChunkDigest.Key(entry.ChunkDigests, chunk);
        var length = ChunkDigest.ChunkLength(entry.Size, Manifest.ChunkSize, chunk);
        var position = Position(entry.Index, chunk);
        if (neededAt.TryGetValue(key, out var primary) && SameDigest(primary, position))
        {
            if (!duplicatesOf.TryGetValue(primary, out var list)) duplicatesOf[primary] = list = [];
            list.Add(position);
            waitingDuplicates.Add(position);
            Present(length, copied: false);
            return;
        }
        neededAt.TryAdd(key, position);
        neededBytes += length;
    }

    private void Present(long bytes, bool copied)
    {
        presentBytes += bytes;
        if (copied) stats.CopiedLocally(bytes);
    }

    /// <summary>The chunk ranges still to be sent, file by file.</summary>
    public IEnumerable<ChunkNeeds> Needs()
    {
        foreach (var file in files)
        {
            if (file is null) continue;
            ChunkNeeds? needs = null;
            file.Gate.Wait();
            try
            {
                if (file.Finalized) continue;
                var runStart = -1;
                for (var chunk = 0; chunk <= file.Entry.ChunkCount; chunk++)
                {
                    var missing = chunk < file.Entry.ChunkCount && !file.IsVerified(chunk)
                        && !waitingDuplicates.Contains(Position(file.Entry.Index, chunk));
                    if (missing && runStart < 0) runStart = chunk;
                    if (missing || runStart < 0) continue;
                    needs ??= new ChunkNeeds { Entry = (uint)file.Entry.Index };
                    needs.Ranges.Add((uint)runStart);
                    needs.Ranges.Add((uint)(chunk - runStart));
                    runStart = -1;
                }
            }
            finally
            {
                file.Gate.Release();
            }
            if (needs is null) continue;
            for (var i = 0; i < needs.Ranges.Count; i += MaxRangesPerMessage * 2)
            {
                var part = new ChunkNeeds { Entry = needs.Entry };
                part.Ranges.AddRange(needs.Ranges.Skip(i).Take(MaxRangesPerMessage * 2));
                yield return part;
            }
        }
    }

    public NeedSummary Summary() => new()
    {
        TotalBytes = (ulong)Manifest.TotalBytes,
        PresentBytes = (ulong)presentBytes,
        NeededBytes = (ulong)neededBytes,
        FilesCompleted = (uint)files.Count(f => f is { Finalized: true }),
    };

    /// <summary>Verifies every chunk of a block; writes the good ones (and their waiting duplicates) and finishes completed files.</summary>
    public async Task<PushReply> AcceptBlockAsync(ChunkBlock block, BlockDecompressor decompressor, CancellationToken cancellationToken)
    {
        Touch();
        var runs = RunsOf(block);
        var rawLength = 0;
        foreach (var run in runs) rawLength += RunLength(run);
        var reply = new PushReply { Sequence = block.Sequence };
        byte[]? rented = null;
        try
        {
            ReadOnlyMemory<byte> raw;
            if (block.Codec == ChunkCodec.None)
            {
                raw = block.Data.Memory;
                if (raw.Length != rawLength) raw = ReadOnlyMemory<byte>.Empty;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent(rawLength);
                raw = decompressor.Decompress(block.Codec, block.Data.Span, rented.AsMemory(0, rawLength));
            }

            var offset = 0;
            foreach (var run in runs)
            {
                var length = RunLength(run);
                await AcceptRunAsync(block, run, raw.IsEmpty ? raw : raw.Slice(offset, length), reply, cancellationToken);
                offset += length;
            }
            return reply;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Verifies the chunks of one run (<paramref name="raw"/> empty: the block's data was damaged, all are rejected).</summary>
    private async Task AcceptRunAsync(ChunkBlock block, ChunkRun run, ReadOnlyMemory<byte> raw, PushReply reply, CancellationToken cancellationToken)
    {
        var file = files[run.Entry]!;
        var chunkSize = Manifest.ChunkSize;
        var first = (int)run.FirstChunk;
        var count = (int)run.ChunkCount;
        var accepted = new bool[count];
        if (!raw.IsEmpty)
        {
            for (var i = 0; i < count; i++)
            {
                var start = i * chunkSize;
                var chunk = raw.Span.Slice(start, Math.Min(chunkSize, raw.Length - start));
                accepted[i] = ChunkDigest.Matches(chunk, ChunkDigest.Of(file.Entry.ChunkDigests, first + i));
            }
        }
        var rejected = 0;
        for (var i = 0; i < count; i++)
        {
            if (accepted[i]) continue;
            rejected++;
            if (block.Runs.Count == 0) reply.RejectedChunks.Add((uint)(first + i));
            else reply.RejectedRuns.Add(new ChunkRun { Entry = run.Entry, FirstChunk = (uint)(first + i), ChunkCount = 1 });
        }
        if (rejected > 0) Reject(rejected);

        if (rejected < count)
        {
            stats.Accepted(count - rejected, raw.Length);
            await WriteAcceptedAsync(file, first, accepted, raw, reply, cancellationToken);
        }
    }

    /// <summary>The runs of a block, each checked against the manifest; a block without runs names its single run in its own fields.</summary>
    private List<ChunkRun> RunsOf(ChunkBlock block)
    {
        var runs = block.Runs.Count > 0
            ? block.Runs.ToList()
            : [new ChunkRun { Entry = block.Entry, FirstChunk = block.FirstChunk, ChunkCount = block.ChunkCount }];
        long chunks = 0;
        foreach (var run in runs)
        {
            if (run.Entry >= files.Length || files[run.Entry] is not { } file)
                throw FederationException.InvalidArgument($"block {block.Sequence} names entry {run.Entry}, which is not a file of this transfer");
            if (run.ChunkCount == 0 || run.FirstChunk >= file.Entry.ChunkCount || run.ChunkCount > file.Entry.ChunkCount - run.FirstChunk)
                throw FederationException.InvalidArgument($"block {block.Sequence} names chunks outside '{RelativePath.Shorten(file.Entry.Path)}'");
            chunks += run.ChunkCount;
            if (chunks * Manifest.ChunkSize > SyncLimits.MaxBlockBytes)
                throw FederationException.InvalidArgument($"block {block.Sequence} is larger than {SyncLimits.MaxBlockBytes} bytes");
        }
        return runs;
    }

    private int RunLength(ChunkRun run) =>
        (int)Math.Min((long)run.ChunkCount * Manifest.ChunkSize, files[run.Entry]!.Entry.Size - (long)run.FirstChunk * Manifest.ChunkSize);

    private async Task WriteAcceptedAsync(IncomingFile file, int first, bool[] accepted, ReadOnlyMemory<byte> raw, PushReply reply,
        CancellationToken cancellationToken)
    {
        var chunkSize = Manifest.ChunkSize;
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!file.Finalized)
            {
                for (var i = 0; i < accepted.Length;)
                {
                    if (!accepted[i]) { i++; continue; }
                    var end = i;
                    while (end < accepted.Length && accepted[end]) end++;
                    var start = i * chunkSize;
                    file.Write(first + i, raw.Span[start..Math.Min(end * chunkSize, raw.Length)]);
                    for (var c = i; c < end; c++) file.MarkVerified(first + c);
                    i = end;
                }
                await FinalizeIfCompleteAsync(file, reply);
            }
        }
        finally
        {
            file.Gate.Release();
        }

        if (duplicatesOf.Count == 0) return;
        for (var i = 0; i < accepted.Length; i++)
        {
            if (!accepted[i] || !duplicatesOf.TryGetValue(Position(file.Entry.Index, first + i), out var copies)) continue;
            var start = i * chunkSize;
            var bytes = raw[start..Math.Min(start + chunkSize, raw.Length)];
            foreach (var copy in copies) await WriteDuplicateAsync(copy, bytes, reply, cancellationToken);
        }
    }

    private async Task WriteDuplicateAsync(long position, ReadOnlyMemory<byte> bytes, PushReply reply, CancellationToken cancellationToken)
    {
        var file = files[EntryOf(position)]!;
        var chunk = ChunkOf(position);
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            if (file.Finalized || file.IsVerified(chunk)) return;
            file.Write(chunk, bytes.Span);
            file.MarkVerified(chunk);
            await FinalizeIfCompleteAsync(file, reply);
        }
        finally
        {
            file.Gate.Release();
        }
    }

    private async Task FinalizeIfCompleteAsync(IncomingFile file, PushReply reply)
    {
        if (file.Remaining > 0 || file.Finalized) return;
        await file.FinalizeAsync(options.FlushToDisk, options.HashParallelism, lifetime.Token);
        reply.CompletedEntries.Add((uint)file.Entry.Index);
    }

    /// <summary>Finishes files whose last chunk arrived but whose final check did not run, then applies symlinks and directory modes.</summary>
    public async Task<CompleteResponse> CompleteAsync(CancellationToken cancellationToken)
    {
        Touch();
        long missing = 0;
        var filesWithGaps = 0;
        foreach (var file in files)
        {
            if (file is null) continue;
            await file.Gate.WaitAsync(cancellationToken);
            try
            {
                if (!file.Finalized && file.Remaining == 0)
                    await file.FinalizeAsync(options.FlushToDisk, options.HashParallelism, cancellationToken);
                if (!file.Finalized)
                {
                    missing += file.Remaining;
                    filesWithGaps++;
                }
            }
            finally
            {
                file.Gate.Release();
            }
        }
        if (missing > 0)
            throw FederationException.FailedPrecondition($"{missing} chunks of {filesWithGaps} files have not arrived yet");

        // Judged again against the disk as it is now (the offer was judged against the disk as it was then).
        if (Manifest.Entries.Any(e => e.Kind == EntryKind.Symlink)) new LinkResolver(Target, Manifest.Entries).Check();
        foreach (var entry in Manifest.Entries.Where(e => e.Kind == EntryKind.Symlink)) CreateSymlink(entry);
        foreach (var entry in Manifest.Entries.Where(e => e.Kind == EntryKind.Directory).OrderByDescending(e => e.Path.Length))
            UnixModes.Set(Target.FullPathOf(entry.Path), entry.Mode);
        return new CompleteResponse
        {
            Files = (uint)files.Count(f => f is not null),
            TotalBytes = (ulong)Manifest.TotalBytes,
        };
    }

    private void CreateSymlink(ReceivedEntry entry)
    {
        Target.EnsureDirectory(RelativePath.Parent(entry.Path));
        var full = Target.FullPathOf(entry.Path);
        var existing = new FileInfo(full);
        if (existing.LinkTarget is not null || existing.Exists) existing.Delete();
        else if (Directory.Exists(full))
            throw FederationException.InvalidArgument($"'{RelativePath.Shorten(entry.Path)}' is a directory on the receiver, not a symlink");
        File.CreateSymbolicLink(full, entry.LinkTarget);
    }

    private void Reject(int chunks)
    {
        stats.Rejected(chunks);
        if (Interlocked.Add(ref rejectedChunks, chunks) > options.MaxRejectedChunks)
            throw new FederationException(FederationError.Aborted,
                $"more than {options.MaxRejectedChunks} chunks of this transfer failed verification; giving up");
    }

    private bool SameDigest(long a, long b) =>
        ChunkDigest.Of(files[EntryOf(a)]!.Entry.ChunkDigests, ChunkOf(a)).SequenceEqual(ChunkDigest.Of(files[EntryOf(b)]!.Entry.ChunkDigests, ChunkOf(b)));

    private static long Position(int entry, int chunk) => ((long)entry << 32) | (uint)chunk;
    private static int EntryOf(long position) => (int)(position >> 32);
    private static int ChunkOf(long position) => (int)(uint)position;

    public void Dispose()
    {
        lifetime.Cancel();
        foreach (var file in files) file?.CloseHandle();
        lifetime.Dispose();
    }
}
