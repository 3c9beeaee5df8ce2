using System.Collections.Concurrent;
using Federation.Adapters;
using Federation.Common;
using Federation.Common.Auth;
using Federation.Common.Retry;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federation.Coordinator.Engines;

/// <summary>
/// The coordinator's one client of runtime Engines: one gRPC channel per Engine endpoint, reused by
/// every call of the process (the saga's checkpoints and transfers, the destination's restores, and
/// the adapters' readiness and image placement through <see cref="IRuntimeEngines"/>).
/// </summary>
/// <param name="credential">What every Engine of this cluster demands (see <see cref="EngineCredentialFile"/>).</param>
public sealed class RuntimeEngines(string credential) : IRuntimeEngines, IDisposable
{
    private readonly CallHeadersInterceptor withCredential = CallHeadersInterceptor.Bearer(credential);

    public string Credential => credential;

    private static readonly TimeSpan PollCallTimeout = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<Uri, GrpcChannel> channels = new();
    // Not there yet (NotFound, Unavailable, a slow answer), or a connection the client gave up on (a published port
    // accepts before the Engine listens: "did not complete the HTTP/2 handshake", which the client reports as Internal).
    // At most a quarter of a second between polls: a runtime that becomes ready is seen within that, not up to a second later
    // (a target's preparation waits on these); a Probe or GetApp is a cheap call.
    private readonly Polly.ResiliencePipeline<string?> poll = Backoff.Poll(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250),
        e => e is RpcException r && (r.StatusCode is StatusCode.NotFound or StatusCode.Unavailable or StatusCode.DeadlineExceeded || r.Status.DebugException is not null));

    public V1.Engine.EngineClient For(Uri endpoint) =>
        new(channels.GetOrAdd(endpoint, e => GrpcChannel.ForAddress(e, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 }))
            .Intercept(withCredential).Intercept(DefaultDeadlineInterceptor.Standard));

    public async Task<DescribeResponse> DescribeAsync(Uri engine, CancellationToken ct) =>
        await For(engine).DescribeAsync(new DescribeRequest(), cancellationToken: ct);

    public async Task RegisterPassiveAppAsync(Uri engine, AppSpec spec, CancellationToken ct) =>
        await For(engine).CreateAppAsync(new CreateAppRequest { Spec = spec, StartMode = StartMode.Passive }, cancellationToken: ct);

    public async Task WaitForEngineAsync(Uri engine, string runtime, TimeSpan timeout, Func<CancellationToken, Task<string?>> whyGone, CancellationToken ct)
    {
        var client = For(engine);
        await PollAsync($"runtime '{runtime}'", timeout, async token =>
        {
            try
            {
                var probe = await client.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.Add(PollCallTimeout), cancellationToken: token);
                if (probe.DockerReady) return null;
                return await GoneAsync(token) ?? probe.Message;
            }
            catch (RpcException e)
            {
                return await GoneAsync(token) ?? e.Status.Detail;
            }
        }, ct);

        async Task<string?> GoneAsync(CancellationToken token) =>
            await whyGone(token) is { } reason ? throw FederationException.Unavailable($"runtime '{runtime}' is gone: {reason}") : null;
    }

    public async Task WaitForAppAsync(WorkloadInfo workload, TimeSpan timeout, CancellationToken ct)
    {
        var client = For(workload.EngineEndpoint);
        var target = workload.Role == Adapters.WorkloadRole.Target;
        await PollAsync($"workload {workload.Id}", timeout, async token =>
        {
            var app = await client.GetAppAsync(new GetAppRequest { Name = workload.Id.Name }, deadline: DateTime.UtcNow.Add(PollCallTimeout), cancellationToken: token);
            if (target) return app.State is AppState.WaitingForRestore or AppState.Running ? null : $"app is {app.State}";
            if (app.State != AppState.Running) return $"app is {app.State}";
            var probe = await client.ProbeAsync(new ProbeRequest { App = workload.Id.Name }, deadline: DateTime.UtcNow.Add(PollCallTimeout), cancellationToken: token);
            return probe.AppAccepting ? null : probe.Message;
        }, ct);
    }

    public async Task<IReadOnlyCollection<string>> PlaceImageAsync(Uri engine, string image, Func<CancellationToken, Task<Stream>> openArchive, CancellationToken ct)
    {
        var described = await DescribeAsync(engine, ct);
        if (described.Images.Contains(image)) return described.Images;
        var client = For(engine);
        using var call = client.LoadImage(cancellationToken: ct);
        await using (var archive = await openArchive(ct))
        {
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await archive.ReadAsync(buffer, ct)) > 0)
                await call.RequestStream.WriteAsync(new LoadImageChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, ct);
        }
        await call.RequestStream.CompleteAsync();
        return (await call).Images;
    }

    public async Task<PullImageProgress> PullImageAsync(Uri engine, PullImageRequest request, IProgress<PullImageProgress>? progress, CancellationToken ct)
    {
        try
        {
            using var call = For(engine).PullImage(request, cancellationToken: ct);
            await foreach (var step in call.ResponseStream.ReadAllAsync(ct))
            {
                if (step.Completed) return step;
                progress?.Report(step);
            }
        }
        catch (RpcException e) when (FederationErrorOf(e.StatusCode) is { } error)
        {
            throw new FederationException(error, $"runtime at {engine.Authority}: {e.Status.Detail}");
        }
        throw FederationException.Unavailable($"runtime at {engine.Authority}: the pull of {Names.Shorten(request.Image)} ended without an outcome");
    }

    private static FederationError? FederationErrorOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => FederationError.InvalidArgument,
        StatusCode.NotFound => FederationError.NotFound,
        StatusCode.FailedPrecondition => FederationError.FailedPrecondition,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => FederationError.PermissionDenied,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => FederationError.Unavailable,
        _ => null,
    };

    /// <summary>Runs <paramref name="check"/> until it returns null (ready), backing off; a timeout is Unavailable with the last reason seen.</summary>
    private async Task PollAsync(string what, TimeSpan timeout, Func<CancellationToken, Task<string?>> check, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var last = "no answer yet";
        try
        {
            await poll.ExecuteAsync(async token =>
            {
                try
                {
                    var notYet = await check(token);
                    if (notYet is not null) last = notYet;
                    return notYet;
                }
                catch (RpcException e)
                {
                    last = e.Status.Detail;
                    throw;
                }
            }, limit.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw FederationException.Unavailable($"{what} was not ready within {timeout.TotalSeconds:F0} s: {last}");
        }
    }

    public void Dispose()
    {
        foreach (var channel in channels.Values) channel.Dispose();
    }
}
