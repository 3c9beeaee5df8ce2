using System.Net;
using System.Net.Sockets;
using Federation.Tests.Harness;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// One Service port on the node: listeners on 127.0.0.1 and on the node IP at the node port, each new connection going to
/// the next endpoint (round robin) of the endpoints current when it arrives (<see cref="TcpRelay"/>). No endpoints: nothing listens, so connections
/// are refused, as kube-proxy's REJECT rule does. Connections already forwarded stay where they are.
/// </summary>
public sealed partial class PortForwarder : IAsyncDisposable
{
    private readonly IPAddress nodeIp;
    private List<TcpListener> listeners;
    private readonly ILogger logger;
    private readonly string service;
    private readonly TcpRelay relay;
    private readonly Lock gate = new();
    private IPEndPoint[] targets = [];
    private bool listening = true;

    private PortForwarder(IPAddress nodeIp, List<TcpListener> listeners, int nodePort, int loopbackPort, string service, ILogger logger)
    {
        this.nodeIp = nodeIp;
        this.listeners = listeners;
        NodePort = nodePort;
        LoopbackPort = loopbackPort;
        this.service = service;
        this.logger = logger;
        relay = new TcpRelay($"service {service}", () => [.. targets.Select(t => (t.Address.ToString(), t.Port))], logger);
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
                relay.Serve(listener);
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
        lock (gate) StopListening();
        await relay.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "service {Service}: cannot listen on {Address} again: {Reason}")]
    private static partial void LogListenFailed(ILogger logger, string service, string address, string reason);
}
