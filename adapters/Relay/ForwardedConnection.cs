using System.Diagnostics;
using System.Net.Sockets;

namespace Federation.Adapters.Relay;

/// <summary>
/// One client connection forwarded to its backend, knowing whether a request is in flight on it. Every chunk read
/// from the client takes the next number of the connection's sequence before it is forwarded, and every chunk read
/// from the backend takes one when it comes back; so the client spoke last (a request not yet answered) when its
/// number is the higher. A reply to bytes can only come back after they were forwarded, so a reply never looks older
/// than its request. A drain closes the connection (both sides, a FIN each way) once it is answered: no request in
/// flight, nothing being written or already waiting to be read in either direction, and quiet for as long as the
/// drain asks (a reply may come in several reads); a backend that has half-closed has answered all it will. A connection
/// that was never answered (just opened, its first request perhaps still on its way) is never taken for an idle one.
/// </summary>
internal sealed class ForwardedConnection(TcpClient client) : IDisposable
{
    private const int BufferSize = 16 * 1024;
    private readonly Lock gate = new();
    private readonly TcpClient upstream = new();
    // The sockets themselves: a TcpClient forgets its socket when disposed, and a drain may close a connection that is just ending.
    private readonly Socket clientSocket = client.Client;
    private Socket? upstreamSocket;
    private long sequence;
    private long fromClient;
    private long fromBackend;
    private int writing;
    private long lastActivity = Stopwatch.GetTimestamp();
    private bool piping;
    private bool backendDone;
    private bool closed;

    /// <summary>
    /// True while the client's last bytes are not answered yet (or wait to be read), a reply is being passed on, or the
    /// connection has not been answered once (not forwarding yet, or forwarding with nothing back yet: its first request
    /// may be on its way, and a client that just connected expects an answer, not a close).
    /// </summary>
    public bool RequestInFlight
    {
        get
        {
            lock (gate)
            {
                if (closed || backendDone) return false;
                if (!piping || AwaitsReply || writing > 0) return true;
            }
            return Pending(clientSocket);
        }
    }

    public async Task ConnectAsync(string host, int port, CancellationToken ct)
    {
        await upstream.ConnectAsync(host, port, ct);
        client.NoDelay = true;
        upstream.NoDelay = true;
        upstreamSocket = upstream.Client;
    }

    /// <summary>Forwards both directions until both have ended.</summary>
    public async Task ForwardAsync(CancellationToken ct)
    {
        var toTheBackend = upstreamSocket ?? throw new InvalidOperationException("not connected");
        lock (gate)
        {
            piping = true;
            lastActivity = Stopwatch.GetTimestamp();
        }
        var fromTheClient = client.GetStream();
        var fromTheBackend = upstream.GetStream();
        await Task.WhenAll(
            PumpAsync(fromTheClient, toTheBackend, fromTheBackend, upward: true, ct),
            PumpAsync(fromTheBackend, clientSocket, fromTheClient, upward: false, ct));
    }

    /// <summary>
    /// The client spoke last (its number is the higher), or nothing ever came back: a connection never answered may have its
    /// first request on the way, and is not an idle one. Read under the gate.
    /// </summary>
    private bool AwaitsReply => fromBackend == 0 || fromClient > fromBackend;

    /// <summary>
    /// Closes the connection if it is answered and has been quiet for <paramref name="quietTicks"/> (Stopwatch ticks;
    /// 0: answered is enough). True when it is closed (now or before).
    /// </summary>
    public bool TryCloseAnswered(long quietTicks)
    {
        Socket? toTheBackend;
        lock (gate)
        {
            if (closed) return true;
            toTheBackend = upstreamSocket;
            if (!piping || writing > 0 || toTheBackend is null) return false;
            if (!backendDone)
            {
                if (AwaitsReply || Stopwatch.GetTimestamp() - lastActivity < quietTicks) return false;
                // More of a reply already here, or a request the relay has not read yet: not answered.
                if (Pending(toTheBackend)) return false;
            }
            if (Pending(clientSocket)) return false;
            closed = true;
        }
        // A FIN each way, after whatever was written: the client reads the end of its connection (and connects again),
        // the backend sees its client go. Both reads end at once, so the pumps end and the connection is disposed.
        Shutdown(clientSocket);
        Shutdown(toTheBackend);
        return true;
    }

    /// <summary>Copies one direction; at its end, half-closes the other side so request/reply protocols finish.</summary>
    private async Task PumpAsync(NetworkStream from, Socket toSocket, NetworkStream to, bool upward, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct)) > 0)
            {
                // Closed by a drain at the instant these bytes came: they go nowhere, as with any server closing an idle connection.
                if (!Began(upward)) return;
                try
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                finally
                {
                    Ended();
                }
            }
            if (!upward)
            {
                lock (gate)
                {
                    backendDone = true;
                    lastActivity = Stopwatch.GetTimestamp();
                }
            }
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            try { toSocket.Shutdown(SocketShutdown.Both); }
            catch (Exception inner) when (inner is SocketException or ObjectDisposedException) { }
        }
    }

    /// <summary>Numbers a chunk just read and counts its write; false when the connection was closed by a drain.</summary>
    private bool Began(bool upward)
    {
        lock (gate)
        {
            if (closed) return false;
            if (upward) fromClient = ++sequence;
            else fromBackend = ++sequence;
            writing++;
            lastActivity = Stopwatch.GetTimestamp();
            return true;
        }
    }

    private void Ended()
    {
        lock (gate)
        {
            writing--;
            lastActivity = Stopwatch.GetTimestamp();
        }
    }

    private static bool Pending(Socket socket)
    {
        try
        {
            return socket.Available > 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static void Shutdown(Socket socket)
    {
        try { socket.Shutdown(SocketShutdown.Both); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        upstream.Dispose();
        client.Dispose();
    }
}
