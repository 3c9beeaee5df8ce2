using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// One Service port on the node: listeners on 127.0.0.1 and on the node IP at the node port, each new connection going to
/// the next endpoint (round robin) of the endpoints current when it arrives. No endpoints: nothing listens, so connections
/// are refused, as kube-proxy's REJECT rule does. Connections already forwarded stay where they are.
/// </summary>
public sealed partial class PortForwarder : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly IPAddress nodeIp;
    private List<TcpListener> listeners;
    private readonly ILogger logger;
    private readonly string service;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> accepting = new();
    private readonly HashSet<TcpClient> open = new();
    private readonly Lock gate = new();
    private IPEndPoint[] targets = [];
    private int next;

    private PortForwarder(IPAddress nodeIp, List<TcpListener> listeners, int nodePort, int loopbackPort, string service, ILogger logger)
    {
        this.nodeIp = nodeIp;
        this.listeners = listeners;
        NodePort = nodePort;
        LoopbackPort = loopbackPort;
        this.service = service;
        this.logger = logger;
    }

    /// <summary>The port on the node IP: the Service's nodePort.</summary>
    public int NodePort { get; }

    /// <summary>The port on 127.0.0.1: the node port, or another one when something else on this host (another test cluster's node) has that one there.</summary>
    public int LoopbackPort { get; }

    public IReadOnlyList<IPEndPoint> Targets => targets;

    /// <summary>
    /// Listens at <paramref name="nodePort"/> (0: a free port) on the node IP, and on 127.0.0.1 at the same port when it is free
    /// there, else at a free one. Null when the node port cannot be had on the node IP.
    /// </summary>
    public static PortForwarder? Open(IPAddress nodeIp, int nodePort, string service, ILogger logger)
    {
        var node = new TcpListener(nodeIp, nodePort);
        try
        {
            node.Start();
        }
        catch (SocketException)
        {
            return null;
        }
        var port = ((IPEndPoint)node.LocalEndpoint).Port;
        var loopback = new TcpListener(IPAddress.Loopback, port);
        try
        {
            loopback.Start();
        }
        catch (SocketException)
        {
            loopback = new TcpListener(IPAddress.Loopback, 0);
            loopback.Start();
        }
        // Listened on only while the Service has endpoints.
        var forwarder = new PortForwarder(nodeIp, [loopback, node], port, ((IPEndPoint)loopback.LocalEndpoint).Port, service, logger);
        forwarder.StopListening();
        return forwarder;
    }

    /// <summary>The endpoints new connections go to, from now on; none: connections are refused.</summary>
    public void SetTargets(IReadOnlyList<IPEndPoint> endpoints)
    {
        lock (gate)
        {
            targets = [.. endpoints];
            if (targets.Length == 0) StopListening();
            else if (!listening) StartListening();
        }
    }

    private bool listening = true;

    private void StopListening()
    {
        if (!listening) return;
        listening = false;
        foreach (var listener in listeners) listener.Stop();
    }

    private void StartListening()
    {
        var fresh = new List<TcpListener>();
        foreach (var (address, port) in new[] { (IPAddress.Loopback, LoopbackPort), (nodeIp, NodePort) })
        {
            var listener = new TcpListener(address, port);
            try
            {
                listener.Start();
                fresh.Add(listener);
                accepting.Add(Task.Run(() => AcceptAsync(listener, stop.Token)));
            }
            catch (SocketException e)
            {
                LogListenFailed(logger, service, $"{address}:{port}", e.Message);
            }
        }
        listeners = fresh;
        listening = true;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        lock (gate) StopListening();
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
        var current = targets;
        if (current.Length == 0)
        {
            LogRejected(logger, service);
            Reset(client);
            return;
        }
        var target = current[(int)((uint)Interlocked.Increment(ref next) % (uint)current.Length)];
        var upstream = new TcpClient();
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(ct);
        connect.CancelAfter(ConnectTimeout);
        try
        {
            await upstream.ConnectAsync(target, connect.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            LogConnectFailed(logger, service, target.ToString(), e.Message);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "service {Service}: cannot listen on {Address} again: {Reason}")]
    private static partial void LogListenFailed(ILogger logger, string service, string address, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "service {Service}: no endpoints, connection refused")]
    private static partial void LogRejected(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Information, Message = "service {Service}: endpoint {Target} refused: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string service, string target, string reason);
}
