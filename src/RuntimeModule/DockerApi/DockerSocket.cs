using System.Net.Sockets;
using Docker.DotNet;

namespace Federation.RuntimeModule.DockerApi;

/// <summary>
/// One Docker Engine API endpoint on a unix socket: a Docker.DotNet client for what it covers and a
/// plain HTTP client over the same socket for what it lacks (checkpoints, start from a checkpoint).
/// </summary>
public sealed class DockerSocket : IDisposable
{
    public DockerSocket(string socketPath)
    {
        SocketPath = socketPath;
        Client = new DockerClientConfiguration(new Uri("unix://" + socketPath)).CreateClient();
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // Checkpoints of large apps take a while; callers pass their own cancellation.
        Http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public string SocketPath { get; }
    public DockerClient Client { get; }
    public HttpClient Http { get; }

    public void Dispose()
    {
        Client.Dispose();
        Http.Dispose();
    }
}
