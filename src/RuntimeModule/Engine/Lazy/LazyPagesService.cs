using System.Security.Cryptography;
using System.Text;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// The destination's end of a page tunnel (<c>LazyPages.Relay</c>): the source's first frame names the app, the checkpoint
/// and the key its lazy restore here was given; the tunnel is then joined to that restore's daemon connection until either
/// end closes. Served on the Engine's port without the Engine's credential (the source runtime does not hold it): the key,
/// which only the coordinator handed out, is the credential. Anything else is refused before a byte is relayed.
/// </summary>
public sealed partial class LazyPagesService(LazyRestores restores, ILogger<LazyPagesService> logger) : V1.LazyPages.LazyPagesBase
{
    /// <summary>How long a tunnel waits for its restore to start here (the source may open it first).</summary>
    private static readonly TimeSpan RestoreWait = TimeSpan.FromSeconds(60);

    public override async Task Relay(IAsyncStreamReader<PageTunnelFrame> requestStream, IServerStreamWriter<PageTunnelFrame> responseStream,
        ServerCallContext context)
    {
        var ct = context.CancellationToken;
        using var first = CancellationTokenSource.CreateLinkedTokenSource(ct);
        first.CancelAfter(TimeSpan.FromSeconds(10));
        if (!await requestStream.MoveNext(first.Token))
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a page tunnel begins with a frame naming its app, checkpoint and key"));
        var hello = requestStream.Current;
        var restore = await WaitForRestoreAsync(hello.App, hello.Checkpoint, ct);
        if (restore is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(hello.Key), Encoding.UTF8.GetBytes(restore.Key)))
        {
            // One answer for both: a caller without the key learns nothing of which restores wait here.
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"no lazy restore of app '{hello.App}' from '{hello.Checkpoint}' waits here for this key"));
        }
        if (!restore.TryClaimTunnel())
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"the lazy restore of app '{hello.App}' already has its page tunnel"));
        using var daemon = await restore.DaemonConnection.WaitAsync(RestoreWait, ct);
        daemon.NoDelay = true;
        var counters = new PageTunnelCounters();
        if (!hello.Data.IsEmpty) await daemon.SendAsync(hello.Data.Memory, System.Net.Sockets.SocketFlags.None, ct);
        try
        {
            // The daemon closes its connection once it has every page (after its close request was answered): the tunnel then
            // ends here, which is the source's sign to end its page server's connection too.
            await PageTunnel.RelayUntilAsync(
                t => PageTunnel.SocketToFramesAsync(daemon, responseStream, counters.AddFromDestination, t),
                t => PageTunnel.FramesToSocketAsync(requestStream, daemon, counters.AddToDestination, t),
                ct);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or RpcException)
        {
            restore.Stop($"the page tunnel from the source broke after {counters.ToDestination} bytes: {Common.ErrorMappingInterceptor.OneLine(e.Message)}");
            throw;
        }
        LogRelayed(logger, hello.App, counters.ToDestination);
    }

    private async Task<LazyRestore?> WaitForRestoreAsync(string app, string checkpoint, CancellationToken ct)
    {
        // Bounded: RestoreWait in 20 ms steps.
        for (var waited = TimeSpan.Zero; waited < RestoreWait; waited += TimeSpan.FromMilliseconds(20))
        {
            if (restores.Find(app, checkpoint) is { } restore) return restore;
            await Task.Delay(20, ct);
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App}: page tunnel closed after {Bytes} bytes from the source")]
    private static partial void LogRelayed(ILogger logger, string app, ulong bytes);
}
