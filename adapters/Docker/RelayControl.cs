using Federation.Adapters.Relay.Control;
using Federation.Common;
using Grpc.Core;
using Grpc.Net.Client;

namespace Federation.Adapters.Docker;

/// <summary>
/// The coordinator's end of its relay's control API (federation.v1.Relay over the relay's unix socket). A call
/// that finds the relay away (Docker restarting it, or its container gone) makes sure it runs and is tried once
/// more; a refusal becomes a <see cref="FederationException"/> of the same kind with one line.
/// </summary>
public sealed class RelayControl(RelayContainer container, string cluster) : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private readonly GrpcChannel channel = RelayChannel.ForSocket(container.SocketPath);

    public RelayContainer Container => container;

    public async Task<T> CallAsync<T>(Func<V1.Relay.RelayClient, CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        var client = new V1.Relay.RelayClient(channel);
        try
        {
            try
            {
                return await call(client, Options(ct));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !ct.IsCancellationRequested)
            {
                await container.EnsureRunningAsync(ct);
                return await call(client, Options(ct));
            }
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            throw new FederationException(ErrorOf(e.StatusCode), $"the relay of cluster '{cluster}': {ErrorMappingInterceptor.OneLine(e.Status.Detail)}", e);
        }
    }

    private static CallOptions Options(CancellationToken ct) => new(deadline: DateTime.UtcNow.Add(CallTimeout), cancellationToken: ct);

    private static FederationError ErrorOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => FederationError.InvalidArgument,
        StatusCode.NotFound => FederationError.NotFound,
        StatusCode.FailedPrecondition => FederationError.FailedPrecondition,
        StatusCode.ResourceExhausted => FederationError.ResourceExhausted,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => FederationError.Unavailable,
        _ => FederationError.Internal,
    };

    public void Dispose() => channel.Dispose();
}
