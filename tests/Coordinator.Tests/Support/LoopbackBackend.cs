using System.Net;
using System.Net.Sockets;

namespace Federation.Coordinator.Tests.Support;

/// <summary>A TCP backend on 127.0.0.1 for relay tests: accepts at most 1000 connections until its token ends.</summary>
public static class LoopbackBackend
{
    /// <summary>Listens on a free port and hands each accepted connection to <paramref name="serve"/>, one after the other.</summary>
    /// <returns>The backend's endpoint, "127.0.0.1:port".</returns>
    public static string Start(Func<TcpClient, CancellationToken, Task> serve, CancellationToken token)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        token.Register(listener.Stop);
        _ = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 1000 && !token.IsCancellationRequested; i++)
                    await serve(await listener.AcceptTcpClientAsync(token), token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException) { }
        }, token);
        return $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }
}
