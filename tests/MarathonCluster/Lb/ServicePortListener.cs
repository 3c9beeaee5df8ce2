using System.Net;
using System.Net.Sockets;
using Federation.Tests.Harness;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Marathon.Lb;

/// <summary>
/// One service port of marathon-lb: listeners on 127.0.0.1 and on the agent's address; each new connection goes to the next
/// backend (round robin) of those <see cref="backends"/> gives at that moment, so task changes apply to new connections at
/// once. No backend: the connection is closed at once (haproxy with no server up). Connections already made stay.
/// </summary>
public sealed class ServicePortListener : IAsyncDisposable
{
    private readonly List<TcpListener> listeners;
    private readonly TcpRelay relay;

    private ServicePortListener(List<TcpListener> listeners, int port, int loopbackPort, string name, Func<IReadOnlyList<(string, int)>> backends, ILogger logger)
    {
        this.listeners = listeners;
        Port = port;
        LoopbackPort = loopbackPort;
        relay = new TcpRelay(name, backends, logger);
        foreach (var listener in listeners) relay.Serve(listener);
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
        foreach (var listener in listeners) listener.Stop();
        await relay.DisposeAsync();
    }
}
