using System.Collections.Concurrent;
using Federation.Common;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federation.Coordinator.Engines;

/// <summary>One gRPC channel per Engine endpoint, reused by every call of the process.</summary>
public sealed class EngineClients : IDisposable
{
    private readonly ConcurrentDictionary<Uri, GrpcChannel> channels = new();

    public V1.Engine.EngineClient For(Uri endpoint) =>
        new(channels.GetOrAdd(endpoint, e => GrpcChannel.ForAddress(e, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 }))
            .Intercept(DefaultDeadlineInterceptor.Standard));

    public void Dispose()
    {
        foreach (var channel in channels.Values) channel.Dispose();
    }
}
