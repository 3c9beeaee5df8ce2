using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Harness;

/// <summary>
/// The TCP forwarding of the harnesses' load balancers (kube-proxy, marathon-lb): each connection accepted on a listener it
/// serves goes to the next target (round robin) of those <c>targets</c> gives when it arrives, so target changes apply to new
/// connections at once. No target, or one that cannot be reached: the connection is reset. Connections already forwarded stay
/// until a side ends them or the relay is disposed. The listeners belong to the caller, which stops them.
/// </summary>
public sealed partial class TcpRelay(string name, Func<IReadOnlyList<(string Host, int Port)>> targets, ILogger logger) : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> accepting = [];
    private readonly HashSet<TcpClient> open = [];
    private readonly Lock gate = new();
    private int next;

    /// <summary>Forwards the connections of a started listener until it is stopped or the relay disposed.</summary>
    public void Serve(TcpListener listener)
    {
        lock (gate) accepting.Add(Task.Run(() => AcceptAsync(listener, stop.Token)));
    }

    /// <summary>Ends the accepting (the caller stops its listeners) and closes every forwarded connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        Task[] loops;
        lock (gate) loops = [.. accepting];
        try { await Task.WhenAll(loops); }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        lock (gate)
        {
            foreach (var c in open) c.Dispose();
            open.Clear();
        }
        stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(ct); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => ForwardAsync(client, ct), CancellationToken.None);
        }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken ct)
    {
        var current = targets();
        if (current.Count == 0)
        {
            LogNoTarget(logger, name);
            Reset(client);
            return;
        }
        var (host, port) = current[(int)((uint)Interlocked.Increment(ref next) % (uint)current.Count)];
        var upstream = new TcpClient();
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(ct);
        connect.CancelAfter(ConnectTimeout);
        try
        {
            await upstream.ConnectAsync(host, port, connect.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            LogConnectFailed(logger, name, $"{host}:{port}", e.Message);
            upstream.Dispose();
            Reset(client);
            return;
        }
        lock (gate)
        {
            open.Add(client);
            open.Add(upstream);
        }
        try
        {
            await Task.WhenAll(PumpAsync(client, upstream, ct), PumpAsync(upstream, client, ct));
        }
        finally
        {
            lock (gate)
            {
                open.Remove(client);
                open.Remove(upstream);
            }
            client.Dispose();
            upstream.Dispose();
        }
    }

    /// <summary>Copies one direction until its end, then half-closes the other side (so request/response protocols finish).</summary>
    private static async Task PumpAsync(TcpClient from, TcpClient to, CancellationToken ct)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), ct);
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // One side went away: closing both ends the other direction too.
            from.Dispose();
            to.Dispose();
        }
    }

    private static void Reset(TcpClient client)
    {
        try { client.Client.LingerState = new LingerOption(true, 0); }
        catch (SocketException) { }
        client.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Relay}: no target, connection reset")]
    private static partial void LogNoTarget(ILogger logger, string relay);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Relay}: target {Target} refused: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string relay, string target, string reason);
}
