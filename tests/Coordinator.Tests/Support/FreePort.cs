using System.Net;
using System.Net.Sockets;

namespace Federation.Coordinator.Tests.Support;

public static class FreePort
{
    private const int Lowest = 20000;
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A port free on 127.0.0.1 right now; coordinators must know each other's ports before they start. It is taken
    /// below the kernel's ephemeral range, where nothing that binds port 0 (relays, docker-proxy) or connects out can
    /// take it between now and the coordinator's start, and never handed out twice in one run.
    /// </summary>
    public static int Next()
    {
        var below = EphemeralLow();
        lock (Given)
        {
            for (var attempt = 0; attempt < 200 && below > Lowest; attempt++)
            {
                var port = Random.Shared.Next(Lowest, below);
                if (!Given.Contains(port) && Bindable(port) && Given.Add(port)) return port;
            }
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var any = ((IPEndPoint)listener.LocalEndpoint).Port;
            Given.Add(any);
            return any;
        }
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
