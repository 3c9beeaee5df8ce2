using System.Security.Cryptography;
using Federation.Common;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// The receiving end: redeems tokens, checks manifests, opens transfers into the root, accepts
/// verified chunks and completes transfers. The gRPC <c>SyncService</c> is a thin shell over it.
/// </summary>
public sealed class SyncReceiver
{
    private readonly SyncReceiverOptions options;
    private readonly SyncTokenIssuer tokens;
    private readonly TransferRegistry registry;
    private readonly ChunkIndexStore index;
    private readonly ManifestReader manifestReader;
    private readonly TimeProvider time;
    private readonly ILogger<SyncReceiver> logger;
    private readonly List<ISyncTransferCompletion> completions;

    internal SyncReceiver(SyncReceiverOptions options, SyncTokenIssuer tokens, TransferRegistry registry, ChunkIndexStore index,
        TimeProvider time, ILogger<SyncReceiver> logger, IEnumerable<ISyncTransferCompletion>? completions = null)
    {
        this.completions = completions?.ToList() ?? [];
        options.Validate();
        Directory.CreateDirectory(options.RootDirectory);
        this.options = options;
        this.tokens = tokens;
        this.registry = registry;
        this.index = index;
        this.time = time;
        this.logger = logger;
        manifestReader = new ManifestReader(options);
    }

    public SyncReceiverStats Stats { get; } = new();

    public string RootDirectory => options.RootDirectory;

    /// <summary>Reads and checks a manifest, then starts the local pass; the token is spent once the manifest is judged.</summary>
    internal async Task<TransferSession> OfferAsync(OfferPart first, IAsyncEnumerable<OfferPart> rest, CancellationToken cancellationToken)
    {
        if (first.PartCase != OfferPart.PartOneofCase.Header)
            throw FederationException.InvalidArgument("an offer must start with its header");
        var header = first.Header;
        var reading = System.Diagnostics.Stopwatch.StartNew();
        var target = tokens.Reserve(header.Token);
        ReceivedManifest manifest;
        try
        {
            manifest = await manifestReader.ReadAsync(target, header, first.CalculateSize(), rest, cancellationToken);
        }
        catch (FederationException)
        {
            tokens.Consume(header.Token);
            throw;
        }
        catch
        {
            tokens.Release(header.Token);
            throw;
        }
        tokens.Consume(header.Token);

        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var session = new TransferSession(id, manifest, new TargetDirectory(options.RootDirectory, target), options, Stats, time);
        registry.Add(session);
        SyncReceiverLog.TransferOpened(logger, id, target, manifest.Entries.Count, manifest.TotalBytes, manifest.ChunkSize);
        session.ManifestRead = reading.Elapsed;
        session.StartPrepare(() => index.LoadSources(target, manifest.ChunkSize));
        return session;
    }

    internal TransferSession Find(string? transferId) => registry.Get(transferId);

    internal async Task<NeedSummary> WaitPreparedAsync(TransferSession session, CancellationToken cancellationToken)
    {
        await session.Prepared.WaitAsync(cancellationToken);
        var summary = session.Summary();
        SyncReceiverLog.TransferPrepared(logger, session.Id, summary.PresentBytes, summary.NeededBytes);
        return summary;
    }

    internal async Task<PushReply> AcceptBlockAsync(TransferSession session, ChunkBlock block, BlockDecompressor decompressor,
        CancellationToken cancellationToken)
    {
        var reply = await session.AcceptBlockAsync(block, decompressor, cancellationToken);
        var rejected = reply.RejectedChunks.Count + reply.RejectedRuns.Count;
        if (rejected > 0)
            SyncReceiverLog.ChunksRejected(logger, session.Id, reply.RejectedRuns.Count > 0 ? reply.RejectedRuns[0].Entry : block.Entry, rejected);
        return reply;
    }

    internal async Task<CompleteResponse> CompleteAsync(string? transferId, CancellationToken cancellationToken)
    {
        var session = registry.Get(transferId);
        await session.Prepared.WaitAsync(cancellationToken);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var response = await session.CompleteAsync(cancellationToken);
        var finished = watch.Elapsed;
        index.Save(session.Manifest);
        var indexed = watch.Elapsed;
        foreach (var completion in completions) await completion.CompletedAsync(session.Manifest.Target, cancellationToken);
        var hooked = watch.Elapsed;
        registry.Remove(session);
        Stats.TransferCompleted();
        SyncReceiverLog.TransferCompleted(logger, session.Id, session.Manifest.Target, response.Files, response.TotalBytes);
        SyncReceiverLog.TransferSteps(logger, session.Id, session.ManifestRead.TotalMilliseconds, session.PrepareTime.TotalMilliseconds,
            finished.TotalMilliseconds, (indexed - finished).TotalMilliseconds, (hooked - indexed).TotalMilliseconds,
            session.Open.TotalMilliseconds);
        return response;
    }
}
