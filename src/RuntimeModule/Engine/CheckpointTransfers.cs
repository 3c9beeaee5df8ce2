using System.Threading.Channels;
using Federation.Common;
using Federation.RuntimeModule.Engine.Trees;
using Federation.SyncModule.Receiver;
using Federation.SyncModule.Sender;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Moves checkpoints between runtimes peer to peer with the sync module: the destination opens a
/// transfer into its checkpoint volume (a one-time token for <c>&lt;app&gt;/&lt;checkpoint&gt;</c>), the
/// source pushes the directory straight to the destination's Sync receiver. Earlier checkpoints of
/// the same app at the destination serve as chunk sources, so pre-copy rounds send only deltas.
/// </summary>
public sealed partial class CheckpointTransfers(
    CheckpointVolume volume,
    ISyncTokenIssuer tokens,
    SyncSender sender,
    FileTreeSource trees,
    ILogger<CheckpointTransfers> logger)
{
    public string Open(string app, string checkpoint)
    {
        var directory = volume.CheckpointDirectory(app, checkpoint);
        if (File.Exists(Path.Combine(directory, CheckpointVolume.SpecFileName)))
            throw new FederationException(FederationError.AlreadyExists, $"checkpoint '{checkpoint}' of app '{app}' is already here");
        // The token names the round this runtime's tree of the app is at: the source sends a delta only against it.
        var at = AppliedTree.At(AppliedTree.Root(volume, app));
        return tokens.IssueToken(CheckpointVolume.RelativeDirectory(app, checkpoint), tag: TreeBaseTag.Encode(at));
    }

    public async IAsyncEnumerable<TransferProgress> PushAsync(PushCheckpointRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var directory = volume.CheckpointDirectory(request.App, request.Checkpoint);
        if (!Directory.Exists(directory))
            throw FederationException.FailedPrecondition($"checkpoint '{request.Checkpoint}' of app '{request.App}' is not in the checkpoint volume");
        var target = PeerEndpoint.Parse(request.TargetEndpoint);
        if (string.IsNullOrEmpty(request.Token)) throw FederationException.InvalidArgument("transfer token is empty");
        var options = SendOptions(request.Options);
        var prepared = Prepare(request);
        var (treeBytes, treeFiles) = prepared is null ? (0UL, 0U) : ((ulong)prepared.Bytes, (uint)prepared.Files.Count);
        var treeScan = Duration.FromTimeSpan(prepared?.ScanTime ?? TimeSpan.Zero);

        var updates = Channel.CreateBounded<SyncProgress>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        var send = Task.Run(async () =>
        {
            try
            {
                var result = await sender.SendDirectoryAsync(target, tls: null, directory, prepared?.Files ?? [], request.Token, options,
                    new Progress(updates.Writer), ct);
                if (prepared is not null) trees.Sent(request.App, request.TargetEndpoint, prepared.Listing);
                return result;
            }
            // A push that broke before the receiver applied the round leaves the destination's tree at the base: the next
            // delta against it still holds. Only a refused base (or a torn apply) means the next push must send every file.
            catch (Exception e) when (prepared is not null && e.Message.Contains(FileTreeReceiver.BaseMismatch, StringComparison.Ordinal))
            {
                trees.Forget(request.App);
                throw;
            }
            finally
            {
                updates.Writer.TryComplete();
            }
        }, ct);

        await foreach (var update in updates.Reader.ReadAllAsync(ct))
        {
            yield return new TransferProgress
            {
                BytesTotal = (ulong)update.TotalBytes,
                BytesSent = (ulong)update.WireBytes,
                BytesSkipped = (ulong)update.SkippedBytes,
                BytesDone = (ulong)(update.SkippedBytes + update.SentBytes),
                BytesPerSecond = update.BytesPerSecond,
                Elapsed = Duration.FromTimeSpan(update.Elapsed),
                FilesTotal = (uint)update.FilesTotal,
                FilesDone = (uint)update.FilesCompleted,
                FileTreeBytes = treeBytes,
                FileTreeFiles = treeFiles,
                FileTreeScan = treeScan,
            };
        }
        var result = await send;
        LogPushed(logger, request.App, request.Checkpoint, target, result.TotalBytes, result.WireBytes, result.SkippedBytes, result.Duration.TotalMilliseconds,
            treeScan.ToTimeSpan().TotalMilliseconds, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        yield return new TransferProgress
        {
            BytesTotal = (ulong)result.TotalBytes,
            BytesSent = (ulong)result.WireBytes,
            BytesSkipped = (ulong)result.SkippedBytes,
            BytesDone = (ulong)result.TotalBytes,
            BytesPerSecond = result.Duration.TotalSeconds > 0 ? result.SentBytes / result.Duration.TotalSeconds : 0,
            Elapsed = Duration.FromTimeSpan(result.Duration),
            Completed = true,
            FilesTotal = (uint)result.Files,
            FilesDone = (uint)result.Files,
            FileTreeBytes = treeBytes,
            FileTreeFiles = treeFiles,
            FileTreeScan = treeScan,
        };
    }

    /// <summary>The checkpoint's file trees for this target, read in place; a tree that cannot be read fails the push with its reason.</summary>
    private PreparedTrees? Prepare(PushCheckpointRequest request)
    {
        try
        {
            return trees.Prepare(request.App, request.Checkpoint, request.TargetEndpoint, TreeBaseTag.Decode(request.Token));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            trees.Forget(request.App);
            throw FederationException.FailedPrecondition($"the file trees of app '{request.App}' cannot be read: {e.Message}");
        }
    }

    private static SyncSendOptions SendOptions(TransferOptions? requested)
    {
        var options = new SyncSendOptions();
        if (requested is null) return options;
        if (requested.ChunkSize != 0) options.ChunkSize = (int)requested.ChunkSize;
        if (requested.ParallelStreams != 0) options.ParallelStreams = (int)requested.ParallelStreams;
        options.BandwidthLimitBytesPerSecond = (long)requested.BandwidthBytesPerSecond;
        options.Validate();
        return options;
    }

    private sealed class Progress(ChannelWriter<SyncProgress> writer) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => writer.TryWrite(value);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "pushed {App}/{Checkpoint} to {Target}: {Total} bytes, {Wire} on the wire, {Skipped} already there, {Ms} ms (file trees read in {TreeMs} ms; {AllMs} ms in all)")]
    private static partial void LogPushed(ILogger logger, string app, string checkpoint, Uri target, long total, long wire, long skipped, double ms,
        double treeMs, double allMs);
}
