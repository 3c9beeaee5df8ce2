using System.Net.Sockets;
using Grpc.Net.Client;

namespace Federation.Adapters.Relay.Control;

/// <summary>A gRPC channel to a relay's control socket (HTTP/2 over a unix socket).</summary>
public static class RelayChannel
{
    public static GrpcChannel ForSocket(string socketPath) =>
        GrpcChannel.ForAddress("http://relay.local", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
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
            },
        });
}
