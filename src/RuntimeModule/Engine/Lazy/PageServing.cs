using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Federation.Common;
using Federation.SyncModule.Sender;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// Answers ServePages, the source's half of a post-copy move: connects to the lazy dump's page server (127.0.0.1 of this
/// runtime) and to the destination Engine's <c>LazyPages.Relay</c>, and carries CRIU's page-server protocol between them
/// until the destination has every page and the dump ends. A tunnel that breaks first stops the dump
/// (<see cref="LazyDumpAbort"/>): the app stays here, stopped with all its memory, and Resume brings it back.
/// </summary>
public sealed partial class PageServing(LazyDumps dumps, LazyDumpAbort abort, PageTunnelBreakHook breakHook, ILogger<PageServing> logger)
{
    /// <summary>The longest a page tunnel may run (1 GiB over a slow link takes minutes).</summary>
    private static readonly TimeSpan RelayLimit = TimeSpan.FromMinutes(30);

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>The shortest key a lazy restore accepts.</summary>
    public const int MinimumKeyLength = 32;

    public async IAsyncEnumerable<PageServingProgress> ServeAsync(ServePagesRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var (app, checkpoint) = (request.App, request.Checkpoint);
        Names.CheckAppName(app);
        var target = PeerEndpoint.Parse(request.TargetEndpoint);
        if (request.Key.Length < MinimumKeyLength)
            throw FederationException.InvalidArgument($"the page tunnel's key must be at least {MinimumKeyLength} characters");
        var dump = dumps.Find(app, checkpoint)
            ?? throw FederationException.FailedPrecondition($"no lazy checkpoint '{checkpoint}' of app '{app}' is serving pages here");
        if (!dump.TryClaim())
            throw FederationException.FailedPrecondition($"lazy checkpoint '{checkpoint}' of app '{app}' already has its page tunnel");

        var counters = new PageTunnelCounters();
        var watch = Stopwatch.StartNew();
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var relay = RelayAsync(dump, server, target, request.Key, counters, breakHook.RequestOf(app), breakHook, ct);
        while (!relay.IsCompleted)
        {
            await Task.WhenAny(relay, Task.Delay(ProgressEvery, CancellationToken.None));
            if (!relay.IsCompleted) yield return Progress(counters, watch, completed: false);
        }
        var broke = await relay;
        if (broke is not null)
        {
            LogBroke(logger, app, checkpoint, counters.ToDestination, broke);
            await abort.AbortAsync(dump, server, $"its page tunnel broke: {broke}");
            // Short: the saga quotes it whole in the migration's one-line error.
            throw FederationException.Unavailable($"page tunnel broke after {counters.ToDestination / 1048576.0:F1} MiB ({broke})");
        }
        var failure = await dump.Finished.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        if (failure is not null) throw FederationException.FailedPrecondition($"page server failed ({failure}); CRIU let the app run on at the source");
        LogServed(logger, app, checkpoint, counters.ToDestination, watch.ElapsedMilliseconds);
        yield return Progress(counters, watch, completed: true);
    }

    /// <summary>Null when both ends closed the tunnel in order, else why it broke.</summary>
    private static async Task<string?> RelayAsync(LazyDump dump, Socket server, Uri target, string key, PageTunnelCounters counters,
        (ulong Bytes, bool Pause)? hookRequest, PageTunnelBreakHook hook, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(RelayLimit);
        try
        {
            await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, dump.Port), bound.Token);
            using var channel = SyncChannelFactory.Create(target);
            using var call = new V1.LazyPages.LazyPagesClient(channel).Relay(cancellationToken: bound.Token);
            await call.RequestStream.WriteAsync(new PageTunnelFrame { App = dump.App, Checkpoint = dump.Checkpoint, Key = key }, bound.Token);
            await PageTunnel.RelayAsync(
                async t =>
                {
                    var paused = false;
                    await PageTunnel.SocketToFramesAsync(server, call.RequestStream, async (bytes, c) =>
                    {
                        counters.AddToDestination(bytes);
                        if (hookRequest is not { } asked || counters.ToDestination < asked.Bytes || paused) return;
                        if (!asked.Pause) throw new IOException($"test hook: the tunnel breaks after {asked.Bytes} bytes");
                        paused = true;
                        await hook.PauseAsync(dump.App, c);
                    }, t);
                    await CompleteQuietlyAsync(call.RequestStream);
                },
                t => PageTunnel.FramesToSocketAsync(call.ResponseStream, server, counters.AddFromDestination, t),
                bound.Token);
            return null;
        }
        catch (RpcException e)
        {
            return $"{e.StatusCode}: {ErrorMappingInterceptor.OneLine(e.Status.Detail)}";
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return ErrorMappingInterceptor.OneLine(e.Message);
        }
    }

    /// <summary>Ends the request stream; a call the destination already ended (it had every page) needs no end.</summary>
    private static async Task CompleteQuietlyAsync(IClientStreamWriter<PageTunnelFrame> requests)
    {
        try
        {
            await requests.CompleteAsync();
        }
        catch (InvalidOperationException)
        {
            // The call is complete.
        }
    }

    private static PageServingProgress Progress(PageTunnelCounters counters, Stopwatch watch, bool completed) => new()
    {
        BytesToDestination = counters.ToDestination,
        BytesFromDestination = counters.FromDestination,
        Elapsed = Duration.FromTimeSpan(watch.Elapsed),
        Completed = completed,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: the page tunnel of lazy checkpoint {Checkpoint} broke after {Bytes} bytes: {Reason}")]
    private static partial void LogBroke(ILogger logger, string app, string checkpoint, ulong bytes, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App}: every page of lazy checkpoint {Checkpoint} served, {Bytes} bytes in {Milliseconds} ms")]
    private static partial void LogServed(ILogger logger, string app, string checkpoint, ulong bytes, long milliseconds);
}
