using System.Net;
using System.Net.Sockets;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>A TCP port of 127.0.0.1 nobody listens on now, for a CRIU that must be told its port before it binds.</summary>
public static class LoopbackPorts
{
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
