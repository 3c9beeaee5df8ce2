using System.Net;
using System.Net.Sockets;

namespace Federation.Coordinator.Tests.Support;

public static class FreePort
{
    /// <summary>A port free on 127.0.0.1 right now; coordinators must know each other's ports before they start.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
