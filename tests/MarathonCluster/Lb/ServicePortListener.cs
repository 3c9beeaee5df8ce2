using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Marathon.Lb;

/// <summary>
/// One service port of marathon-lb: listeners on 127.0.0.1 and on the agent's address; each new connection goes to the next
/// backend (round robin) of those <see cref="backends"/> gives at that moment, so task changes apply to new connections at
/// once. No backend: the connection is closed at once (haproxy with no server up). Connections already made stay.
/// </summary>
public sealed partial class ServicePortListener : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly Func<IReadOnlyList<(string Host, int Port)>> backends;
    private readonly List<TcpListener> listeners;
    private readonly ILogger logger;
    private readonly string name;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> accepting = [];
    private readonly HashSet<TcpClient> open = [];
    private readonly Lock gate = new();
    private int next;

    private ServicePortListener(List<TcpListener> listeners, int port, int loopbackPort, string name, Func<IReadOnlyList<(string, int)>> backends, ILogger logger)
    {
        this.listeners = listeners;
        Port = port;
        LoopbackPort = loopbackPort;
        this.name = name;
        this.backends = backends;
        this.logger = logger;
        foreach (var listener in listeners) accepting.Add(Task.Run(() => AcceptAsync(listener, stop.Token)));
    }

    /// <summary>The service port on the agent's address.</summary>
    public int Port { get; }

    /// <summary>The port on 127.0.0.1: the service port, or a free one when something else on this host holds that one there.</summary>
    public int LoopbackPort { get; }

    /// <summary>Listens on the agent's address at <paramref name="port"/> (null when that cannot be had) and on 127.0.0.1 at it or a free port.</summary>
    public static ServicePortListener? Open(IPAddress agent, int port, string name, Func<IReadOnlyList<(string, int)>> backends, ILogger logger)
    {
        var onAgent = new TcpListener(agent, port);
        try { onAgent.Start(); }
        catch (SocketException) { return null; }
        var loopback = new TcpListener(IPAddress.Loopback, port);
        try { loopback.Start(); }
        catch (SocketException)
        {
            loopback = new TcpListener(IPAddress.Loopback, 0);
            loopback.Start();
        }
        return new ServicePortListener([loopback, onAgent], port, ((IPEndPoint)loopback.LocalEndpoint).Port, name, backends, logger);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        foreach (var listener in listeners) listener.Stop();
        try { await Task.WhenAll(accepting); }
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
        var current = backends();
        if (current.Count == 0)
        {
            LogNoBackend(logger, name);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service}: no healthy backend, connection closed")]
    private static partial void LogNoBackend(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service}: backend {Target} refused: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string service, string target, string reason);
}
