using Federation.Common;
using Grpc.Core;
using Grpc.Net.Client;

namespace Federation.Adapters.Relay.Control;

/// <summary>
/// The coordinator's end of its relay's control API (federation.v1.Relay over the relay's unix socket), for every
/// adapter that runs a relay (a container on a Docker host, a pod on Kubernetes). A call that finds the relay away
/// makes sure it runs (<paramref name="ensureRunning"/>) and is tried once more; a refusal becomes a
/// <see cref="FederationException"/> of the same kind with one line.
/// </summary>
/// <param name="socketPath">The relay's control socket.</param>
/// <param name="ensureRunning">Starts the relay again where it is away (the adapter's own way of running it).</param>
/// <param name="cluster">The cluster the relay serves, for messages.</param>
public sealed class RelayControl(string socketPath, Func<CancellationToken, Task> ensureRunning, string cluster) : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private readonly GrpcChannel channel = RelayChannel.ForSocket(socketPath);

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
                await ensureRunning(ct);
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
