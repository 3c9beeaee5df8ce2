using Federation.Common;
using Federation.Common.Retry;
using Federation.SyncModule.Chunks;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.SyncModule.Sender;

/// <summary>
/// The sending end: hashes a local directory, offers its manifest with a one-time token, sends the
/// chunks the receiver lacks over parallel streams, resumes when the connection breaks, and
/// completes the transfer. Refusals surface as <see cref="FederationException"/> with the
/// receiver's status (PermissionDenied, InvalidArgument, ...).
/// </summary>
public sealed class SyncSender(ILogger<SyncSender>? logger = null)
{
    private readonly ILogger logger = logger ?? NullLogger<SyncSender>.Instance;

    /// <summary>Sends <paramref name="sourceDirectory"/> to the receiver at <paramref name="endpoint"/> over a channel of its own.</summary>
    public async Task<SyncResult> SendDirectoryAsync(Uri endpoint, SyncClientTls? tls, string sourceDirectory, string token,
        SyncSendOptions? options = null, IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var channel = SyncChannelFactory.Create(endpoint, tls);
        return await SendDirectoryAsync(channel, sourceDirectory, token, options, progress, cancellationToken);
    }

    public Task<SyncResult> SendDirectoryAsync(GrpcChannel channel, string sourceDirectory, string token,
        SyncSendOptions? options = null, IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SendDirectoryAsync(channel.CreateCallInvoker(), sourceDirectory, token, options, progress, cancellationToken);

    /// <summary>The same over any call invoker (e.g. one with client interceptors).</summary>
    public Task<SyncResult> SendDirectoryAsync(CallInvoker invoker, string sourceDirectory, string token,
        SyncSendOptions? options = null, IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SendDirectoryAsync(invoker, sourceDirectory, [], token, options, progress, cancellationToken);

    /// <summary>Sends <paramref name="sourceDirectory"/> plus files read in place from elsewhere (<see cref="ExtraFile"/>).</summary>
    public async Task<SyncResult> SendDirectoryAsync(Uri endpoint, SyncClientTls? tls, string sourceDirectory, IReadOnlyList<ExtraFile> extraFiles,
        string token, SyncSendOptions? options = null, IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var channel = SyncChannelFactory.Create(endpoint, tls);
        return await SendDirectoryAsync(channel.CreateCallInvoker(), sourceDirectory, extraFiles, token, options, progress, cancellationToken);
    }

    public async Task<SyncResult> SendDirectoryAsync(CallInvoker invoker, string sourceDirectory, IReadOnlyList<ExtraFile> extraFiles, string token,
        SyncSendOptions? options = null, IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new SyncSendOptions();
        options.Validate();
        var hashing = System.Diagnostics.Stopwatch.StartNew();
        var manifest = await SourceManifestBuilder.BuildAsync(sourceDirectory, options.ChunkSize, options.HashParallelism, cancellationToken, extraFiles);
        SyncSenderLog.Offering(logger, sourceDirectory, manifest.Entries.Count, manifest.TotalBytes, hashing.ElapsedMilliseconds);

        var hashed = hashing.Elapsed;
        var counters = new SendCounters(manifest, progress, options.ProgressInterval, hashed);
        var steps = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan offered = TimeSpan.Zero, pushed = TimeSpan.Zero;
        var client = new Sync.SyncClient(invoker);
        var limiter = options.BandwidthLimitBytesPerSecond > 0 ? new BandwidthLimiter(options.BandwidthLimitBytesPerSecond) : null;
        using var files = new SourceFiles(manifest);
        string? transferId = null;
        var attempt = 0;
        while (true)
        {
            attempt++;
            try
            {
                counters.EnterPhase(attempt == 1 ? SyncPhase.Negotiating : SyncPhase.Retrying);
                NeedList needs;
                if (transferId is null)
                {
                    needs = await OfferAsync(client, manifest, token, options, counters, id => transferId = id, cancellationToken);
                    counters.SetSkipped((long)(needs.Summary?.PresentBytes ?? 0));
                }
                else
                {
                    needs = await ResumeAsync(client, manifest, transferId, options, cancellationToken);
                }
                offered = steps.Elapsed;

                counters.EnterPhase(SyncPhase.Sending);
                await PushAsync(client, manifest, files, transferId!, needs, options, limiter, counters, cancellationToken);
                pushed = steps.Elapsed;
                counters.EnterPhase(SyncPhase.Completing);
                await client.CompleteAsync(new CompleteRequest { TransferId = transferId },
                    deadline: DateTime.UtcNow + options.CallTimeout, cancellationToken: cancellationToken);
                break;
            }
            catch (Exception e) when (IsRetryable(e, transferId) && attempt < options.MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                var status = e is RpcException rpc ? rpc.Status : new Status(StatusCode.Unavailable, e.Message);
                SyncSenderLog.Retrying(logger, transferId, attempt, status.StatusCode, status.Detail);
                await Task.Delay(Backoff.Delay(attempt, options.RetryDelay, options.RetryDelay * 64), cancellationToken);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested && IsTlsFailure(e))
            {
                throw new FederationException(FederationError.Unavailable, $"TLS with the receiver failed: {e.Status.Detail}", e);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FederationException(ToError(e), $"the receiver refused or broke the transfer: {e.Status.Detail}", e);
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        counters.EnterPhase(SyncPhase.Done);
        var result = new SyncResult(
            transferId!, manifest.FileCount, manifest.TotalBytes, counters.SkippedBytes, counters.SentBytes,
            counters.ChunkWireBytes + counters.ManifestBytes, counters.ManifestBytes,
            counters.SentBytes == 0 ? 1 : (double)counters.ChunkWireBytes / counters.SentBytes,
            counters.ChunksResent, attempt, counters.Elapsed);
        SyncSenderLog.Done(logger, result.TransferId, result.TotalBytes, result.SkippedBytes, result.SentBytes, result.WireBytes,
            (long)result.Duration.TotalMilliseconds);
        SyncSenderLog.Steps(logger, result.TransferId, hashed.TotalMilliseconds, offered.TotalMilliseconds,
            (pushed - offered).TotalMilliseconds, (steps.Elapsed - pushed).TotalMilliseconds, attempt);
        return result;
    }

    private static async Task<NeedList> OfferAsync(Sync.SyncClient client, SourceManifest manifest, string token, SyncSendOptions options,
        SendCounters counters, Action<string> opened, CancellationToken cancellationToken)
    {
        using var call = client.Offer(deadline: DateTime.UtcNow + options.CallTimeout, cancellationToken: cancellationToken);
        try
        {
            foreach (var part in ManifestParts(manifest, token))
            {
                counters.AddManifest(part.CalculateSize());
                await call.RequestStream.WriteAsync(part, cancellationToken);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The receiver may have ended the call early (a refused manifest): its status says why.
            await ReadNeedsAsync(call.ResponseStream, manifest, opened, cancellationToken);
            throw;
        }
        return await ReadNeedsAsync(call.ResponseStream, manifest, opened, cancellationToken);
    }

    private static async Task<NeedList> ResumeAsync(Sync.SyncClient client, SourceManifest manifest, string transferId,
        SyncSendOptions options, CancellationToken cancellationToken)
    {
        using var call = client.Resume(new ResumeRequest { TransferId = transferId },
            deadline: DateTime.UtcNow + options.CallTimeout, cancellationToken: cancellationToken);
        return await ReadNeedsAsync(call.ResponseStream, manifest, _ => { }, cancellationToken);
    }

    private static async Task<NeedList> ReadNeedsAsync(IAsyncStreamReader<NeedPart> responses, SourceManifest manifest,
        Action<string> opened, CancellationToken cancellationToken)
    {
        var needs = new NeedList(manifest);
        await foreach (var part in responses.ReadAllAsync(cancellationToken))
        {
            switch (part.PartCase)
            {
                case NeedPart.PartOneofCase.Opened: opened(part.Opened.TransferId); break;
                case NeedPart.PartOneofCase.Needs: needs.Add(part.Needs); break;
                case NeedPart.PartOneofCase.Summary: needs.Summary = part.Summary; break;
            }
        }
        if (needs.Summary is null) throw new RpcException(new Status(StatusCode.Unavailable, "the receiver's answer ended early"));
        return needs;
    }

    private static IEnumerable<OfferPart> ManifestParts(SourceManifest manifest, string token)
    {
        yield return new OfferPart
        {
            Header = new OfferHeader
            {
                Token = token,
                ChunkSize = (uint)manifest.ChunkSize,
                EntryCount = (uint)manifest.Entries.Count,
                TotalBytes = (ulong)manifest.TotalBytes,
            },
        };
        const int batch = SyncLimits.DigestsPerMessage * ChunkDigest.Size;
        foreach (var entry in manifest.Entries)
        {
            var digests = entry.ChunkDigests;
            yield return new OfferPart
            {
                Entry = new ManifestEntry
                {
                    Path = entry.Path,
                    Kind = entry.Kind,
                    Mode = (uint)entry.Mode,
                    Size = (ulong)entry.Size,
                    FileDigest = ByteString.CopyFrom(entry.FileDigest),
                    ChunkDigests = UnsafeByteOperations.UnsafeWrap(digests.AsMemory(0, Math.Min(batch, digests.Length))),
                    LinkTarget = entry.LinkTarget,
                },
            };
            for (var offset = batch; offset < digests.Length; offset += batch)
                yield return new OfferPart { MoreDigests = UnsafeByteOperations.UnsafeWrap(digests.AsMemory(offset, Math.Min(batch, digests.Length - offset))) };
        }
        yield return new OfferPart { End = new OfferEnd() };
    }

    private static async Task PushAsync(Sync.SyncClient client, SourceManifest manifest, SourceFiles files, string transferId,
        NeedList needs, SyncSendOptions options, BandwidthLimiter? limiter, SendCounters counters, CancellationToken cancellationToken)
    {
        var queue = new BlockQueue(needs.Blocks(options.BlockSize / manifest.ChunkSize));
        if (queue.Count == 0) return;
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streams = Enumerable.Range(0, Math.Min(options.ParallelStreams, queue.Count))
            .Select(_ => RunStreamAsync(new PushStream(client, manifest, files, transferId, queue, options, limiter, counters), failed))
            .ToList();
        try
        {
            await Task.WhenAll(streams);
        }
        catch
        {
            var first = streams.Where(s => s.IsFaulted).Select(s => s.Exception!.InnerException!)
                .OrderBy(e => e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } ? 1 : 0)
                .FirstOrDefault();
            if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            throw;
        }
    }

    private static async Task RunStreamAsync(PushStream stream, CancellationTokenSource failed)
    {
        try
        {
            await stream.RunAsync(failed.Token);
        }
        catch
        {
            await failed.CancelAsync();
            throw;
        }
    }

    /// <summary>A broken connection or stream is retried; a refusal (token, paths, limits) is not.</summary>
    private static bool IsTlsFailure(RpcException e)
    {
        for (Exception? inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
            if (inner is System.Security.Authentication.AuthenticationException) return true;
        return false;
    }

    private static bool IsRetryable(Exception e, string? transferId) => e switch
    {
        RpcException rpc when IsTlsFailure(rpc) => false,
        RpcException rpc => IsRetryable(rpc.StatusCode, transferId),
        IOException or HttpRequestException or OperationCanceledException => true,
        // Writing to a call the server already ended.
        InvalidOperationException => true,
        _ => false,
    };

    private static bool IsRetryable(StatusCode code, string? transferId) => code switch
    {
        StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.Cancelled
            or StatusCode.DataLoss or StatusCode.DeadlineExceeded => true,
        // Complete found gaps (blocks lost with a broken stream): ask again what is missing.
        StatusCode.FailedPrecondition => transferId is not null,
        _ => false,
    };

    /// <summary>
    /// A status the client made up for a broken connection (it carries the transport's exception; one the
    /// receiver sent carries none) means the receiver is unavailable, whatever its code: with TLS 1.3 a
    /// refused client certificate surfaces as a reset after the handshake, which the client reports as Internal.
    /// </summary>
    private static FederationError ToError(RpcException e) => IsConnectionFailure(e) ? FederationError.Unavailable : ToError(e.StatusCode);

    private static bool IsConnectionFailure(RpcException e)
    {
        for (Exception? inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
            if (inner is IOException or HttpRequestException or System.Net.Sockets.SocketException) return true;
        return false;
    }

    private static FederationError ToError(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => FederationError.InvalidArgument,
        StatusCode.NotFound => FederationError.NotFound,
        StatusCode.AlreadyExists => FederationError.AlreadyExists,
        StatusCode.FailedPrecondition => FederationError.FailedPrecondition,
        StatusCode.Aborted => FederationError.Aborted,
        StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.DeadlineExceeded => FederationError.Unavailable,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => FederationError.PermissionDenied,
        StatusCode.ResourceExhausted => FederationError.ResourceExhausted,
        _ => FederationError.Internal,
    };
}
