using Microsoft.Extensions.Logging;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Federation.Adapters.Relay;

/// <summary>
/// A stable client address on 127.0.0.1 that forwards each connection to the current backend. While
/// held, new connections are accepted and wait (they are not refused) until the backend is switched
/// or the hold is released; connections already forwarded keep their backend. A drain after the hold
/// closes the forwarded connections that have no request in flight at once (idle persistent ones: their
/// clients connect again, into the hold, and reach the new backend after the switch) and waits (bounded)
/// only for those with one, closing each once its reply has passed, so that no request is cut when the
/// backend is frozen and removed. A hold ends by itself once it is older than its bound (the held connections then go to the backend there
/// is), so a controller that died while holding cannot make clients wait forever. Open
/// connections (held or forwarded) are bounded: one past the limit is reset at once, so a flood of
/// idle clients sheds load instead of exhausting the process's file table.
/// </summary>
public sealed partial class HoldingRelay : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly TimeSpan maxHold;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly Task acceptLoop;
    private string backend;
    private TaskCompletionSource? hold;
    private CancellationTokenSource? holdBound;
    private int held;
    private readonly HashSet<ForwardedConnection> forwarded = [];
    private readonly TimeSpan replyQuiet;
    private int drainWaitingFor;
    private long drainPasses;
    private readonly int maxConnections;
    private int open;
    private long shed;

    /// <summary>Default bound of open connections per relay.</summary>
    public const int DefaultMaxConnections = 4096;

    /// <summary>
    /// How long a connection whose request was in flight when a drain began must stay quiet, both ways, after its reply
    /// came back before the drain closes it: a reply may come in several reads.
    /// </summary>
    public static readonly TimeSpan DefaultReplyQuiet = TimeSpan.FromMilliseconds(30);

    /// <summary>How often a drain looks at the connections it waits for.</summary>
    private static readonly TimeSpan DrainTick = TimeSpan.FromMilliseconds(5);

    /// <param name="maxHold">How long a hold lasts at most: it ends by itself that long after it began.</param>
    /// <param name="maxConnections">Open connections (held or forwarded) beyond which a new one is reset.</param>
    /// <param name="address">Where to listen; null: 127.0.0.1.</param>
    /// <param name="replyQuiet">See <see cref="DefaultReplyQuiet"/> (its default).</param>
    public HoldingRelay(int port, string backend, TimeSpan maxHold, ILogger logger, int maxConnections = DefaultMaxConnections, IPAddress? address = null, TimeSpan? replyQuiet = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxHold, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(replyQuiet ?? DefaultReplyQuiet, TimeSpan.Zero);
        this.replyQuiet = replyQuiet ?? DefaultReplyQuiet;
        this.backend = backend;
        this.maxHold = maxHold;
        this.logger = logger;
        this.maxConnections = maxConnections;
        listener = new TcpListener(address ?? IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(512);
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptLoop = AcceptLoopAsync(stop.Token);
    }

    public int Port { get; }

    /// <summary>Connections open now, held or forwarded.</summary>
    public int OpenConnections => Volatile.Read(ref open);

    /// <summary>Connections waiting for the hold to end now.</summary>
    public int HeldConnections => Volatile.Read(ref held);

    /// <summary>Connections forwarded to a backend now (open, not held).</summary>
    public int ForwardedConnections
    {
        get { lock (gate) return forwarded.Count; }
    }

    /// <summary>Connections the drain under way still waits for, as of its last look (0 when no drain runs).</summary>
    public int DrainWaitingFor => Volatile.Read(ref drainWaitingFor);

    /// <summary>How many times drains looked at the connections, since the start.</summary>
    public long DrainPasses => Interlocked.Read(ref drainPasses);

    /// <summary>Connections reset because the limit was reached, since the start.</summary>
    public long ShedConnections => Interlocked.Read(ref shed);

    /// <summary>The stable address as clients on this host reach it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public string Backend
    {
        get { lock (gate) return backend; }
    }

    public bool Holding
    {
        get { lock (gate) return hold is not null; }
    }

    /// <summary>New connections wait from now until <see cref="Switch"/> or <see cref="Release"/>, or until the hold is as old as its bound. A repeat keeps the hold (and its bound) there is.</summary>
    public void Hold()
    {
        lock (gate)
        {
            if (hold is not null) return;
            hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            holdBound = new CancellationTokenSource();
            _ = EndWhenTooOldAsync(hold, holdBound.Token);
        }
    }

    /// <summary>Ends the hold once it is as old as the bound, unless it ended before.</summary>
    private async Task EndWhenTooOldAsync(TaskCompletionSource started, CancellationToken ended)
    {
        try
        {
            await Task.Delay(maxHold, ended);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lock (gate)
        {
            if (hold != started) return;
            hold = null;
            holdBound?.Dispose();
            holdBound = null;
        }
        LogHoldExpired(logger, Port, maxHold, Backend);
        started.TrySetResult();
    }

    /// <summary>
    /// Closes the forwarded connections with no request in flight (answered, idle) at once, and waits (at most
    /// <paramref name="limit"/>) for those with one: each is closed once its reply has come back and it has been
    /// quiet both ways for the reply quiet time, or once its backend has half-closed. Connections still in flight at
    /// the limit are left open. Meant after <see cref="Hold"/>, so that the closed ones' clients connect again into it.
    /// </summary>
    public async Task<DrainOutcome> DrainAsync(TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var quietTicks = (long)(replyQuiet.TotalSeconds * Stopwatch.Frequency);
        // Whether each connection had a request in flight when this drain first saw it: those are waited for, the others are not.
        var inFlightWhenSeen = new Dictionary<ForwardedConnection, bool>();
        var closedIdle = new HashSet<ForwardedConnection>();
        try
        {
            while (true)
            {
                ForwardedConnection[] now;
                lock (gate) now = [.. forwarded];
                var waitingFor = 0;
                foreach (var connection in now)
                {
                    if (!inFlightWhenSeen.TryGetValue(connection, out var inFlight)) inFlightWhenSeen[connection] = inFlight = connection.RequestInFlight;
                    if (!connection.TryCloseAnswered(inFlight ? quietTicks : 0)) waitingFor++;
                    else if (!inFlight) closedIdle.Add(connection);
                }
                Volatile.Write(ref drainWaitingFor, waitingFor);
                Interlocked.Increment(ref drainPasses);
                var elapsed = clock.Elapsed;
                if (waitingFor == 0 || elapsed >= limit)
                    return new DrainOutcome(waitingFor == 0, closedIdle.Count, inFlightWhenSeen.Values.Count(v => v), waitingFor, elapsed);
                var left = limit - elapsed;
                await Task.Delay(left < DrainTick ? left : DrainTick, ct);
            }
        }
        finally
        {
            Volatile.Write(ref drainWaitingFor, 0);
        }
    }

    /// <summary>Points new connections at <paramref name="newBackend"/> and lets the held ones through to it.</summary>
    public void Switch(string newBackend)
    {
        TaskCompletionSource? released;
        lock (gate)
        {
            backend = newBackend;
            released = hold;
            hold = null;
            holdBound?.Cancel();
            holdBound?.Dispose();
            holdBound = null;
        }
        released?.TrySetResult();
    }

    public void Release() => Switch(Backend);

    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(logger, Port, e.Message);
                continue;
            }
            if (Interlocked.Increment(ref open) > maxConnections)
            {
                Interlocked.Decrement(ref open);
                Shed(client);
                continue;
            }
            _ = ForwardThenCountAsync(client, ct);
        }
    }

    /// <summary>Resets a connection past the limit (a clear refusal the client sees at once, not a hang).</summary>
    private void Shed(TcpClient client)
    {
        var total = Interlocked.Increment(ref shed);
        if ((total & (total - 1)) == 0) LogShed(logger, Port, maxConnections, total); // 1, 2, 4, 8, ...: the log is not a second flood
        try { client.Client.LingerState = new LingerOption(true, 0); }
        catch (SocketException) { }
        client.Dispose();
    }

    private async Task ForwardThenCountAsync(TcpClient client, CancellationToken ct)
    {
        try { await ForwardAsync(client, ct); }
        finally { Interlocked.Decrement(ref open); }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken ct)
    {
        using var connection = new ForwardedConnection(client);
        Task? waiting;
        lock (gate)
        {
            waiting = hold?.Task;
            if (waiting is null) forwarded.Add(connection); // counted from here, so a drain that starts now sees it
        }
        if (waiting is not null)
        {
            Interlocked.Increment(ref held);
            try
            {
                // Bounded: the hold ends by itself at its bound (EndWhenTooOldAsync).
                await waiting.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                Interlocked.Decrement(ref held);
            }
            lock (gate) forwarded.Add(connection);
        }
        try
        {
            await PipeAsync(connection, ct);
        }
        finally
        {
            lock (gate) forwarded.Remove(connection);
        }
    }

    private async Task PipeAsync(ForwardedConnection connection, CancellationToken ct)
    {
        var target = Backend;
        try
        {
            var (host, port) = Split(target);
            await connection.ConnectAsync(host, port, ct);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            LogBackendUnreachable(logger, Port, target, e.Message);
            return;
        }
        await connection.ForwardAsync(ct);
    }

    private static (string Host, int Port) Split(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return (endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        Release();
        await acceptLoop;
        stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "relay {Port}: {Limit} connections are open; reset a new one ({Total} so far)")]
    private static partial void LogShed(ILogger logger, int port, int limit, long total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "relay {Port}: accept failed: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, int port, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "relay {Port}: hold ended by its bound of {Limit}; held connections go to {Backend}")]
    private static partial void LogHoldExpired(ILogger logger, int port, TimeSpan limit, string backend);

    [LoggerMessage(Level = LogLevel.Warning, Message = "relay {Port}: backend {Backend} unreachable: {Reason}")]
    private static partial void LogBackendUnreachable(ILogger logger, int port, string backend, string reason);
}
