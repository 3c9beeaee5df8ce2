using System.Collections.Concurrent;
using System.Globalization;
using Federation.Adapters.Mesos.Api;
using Federation.Adapters.Mesos.Deployments;
using Federation.Adapters.Mesos.Runtime;
using Federation.Adapters.Relay.Control;
using Federation.Adapters.Relay.Hosting;
using Federation.Common.Retry;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Mesos.Traffic;

/// <summary>
/// The traffic switch of a Marathon cluster. A workload's stable address is <c>{marathon-lb host}:{service port}</c> of its relay
/// app (<see cref="RelayAppBuilder"/>), kept for the workload's life wherever it runs. Marathon cannot make new connections
/// wait, and marathon-lb only follows tasks (a switch through it would wait for its reload and drop what is in flight), so
/// marathon-lb forwards the service port to the relay, which holds new connections during a switch and forwards to the
/// runtime's task here (<c>host:hostPort</c>) or, after a move, to its address in another cluster. The data path does not
/// depend on this coordinator's process: Marathon restarts the relay if it dies, and the relay keeps its routes on disk.
/// </summary>
public sealed partial class MarathonTrafficSwitch(MarathonApi api, DeploymentTracker tracker, RelayAppBuilder builder, string loadBalancerHost,
    (int Low, int High) servicePortRange, ILogger<MarathonTrafficSwitch> logger) : ITrafficSwitch, IDisposable
{
    private static readonly TimeSpan HoldDrainLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RelayAnswerTimeout = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<string, RelayControl> controls = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Opens the workload's stable address (relay app, service ports, route to <paramref name="backends"/>). Safe to repeat.</summary>
    public async Task<string?> PublishAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        if (backends.Count == 0) return null;
        await gate.WaitAsync(ct);
        try
        {
            var appId = AppIds.Address(builder.Options.AppGroup, id);
            var relay = await api.FindAppAsync(appId, ct);
            if (relay is null)
            {
                var ports = backends.Keys.Order().ToList();
                var servicePorts = await FreeServicePortsAsync(ports.Count, ct);
                var directory = builder.DirectoryOf(id);
                if (Path.Combine(directory, RelaySettings.SocketFileName).Length > RelaySettings.MaxSocketPath)
                    throw FederationException.FailedPrecondition($"the relay's control socket under {directory} would be longer than a unix socket path may be; choose a shorter relay directory");
                if (OperatingSystem.IsWindows()) throw FederationException.FailedPrecondition("the relay serves its control API on a unix socket: it runs on Linux hosts");
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                try
                {
                    var deployment = await api.CreateAppAsync(builder.Build(id, ports, servicePorts), force: false, ct);
                    await tracker.WaitForTaskAsync(appId, deployment, (_, t) => t.IsRunning && t.Ports?.Count >= ports.Count, ct);
                }
                catch
                {
                    // Nothing half-created: the relay app and its directory go with the failure.
                    await RemoveRelayAsync(id, CancellationToken.None);
                    throw;
                }
            }
            await EnsureRouteAsync(id, backends, ct);
            var address = await GetStableAddressAsync(id, ct);
            LogPublished(logger, id.ToString(), api.Cluster, address ?? "");
            return address;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct) =>
        await api.FindAppAsync(AppIds.Address(builder.Options.AppGroup, id), ct) is { } relay && RelayAppBuilder.ServicePorts(relay) is { Count: > 0 } ports
            ? $"{loadBalancerHost}:{ports.OrderBy(p => p.Key).First().Value.ToString(CultureInfo.InvariantCulture)}"
            : null;

    public async Task HoldAsync(WorkloadId id, CancellationToken ct)
    {
        if (!await EnsureRouteAsync(id, null, ct)) return;
        await CallAsync(id, (c, o) => c.HoldRouteAsync(new HoldRelayRouteRequest { Name = id.ToString(), DrainLimit = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(HoldDrainLimit) }, o), ct);
    }

    public async Task SwitchAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        if (!await EnsureRouteAsync(id, null, ct)) throw FederationException.NotFound($"cluster '{api.Cluster}' holds no stable address for {id}");
        var request = new SwitchRelayRouteRequest { Name = id.ToString() };
        foreach (var (port, backend) in backends) request.Backends[(uint)port] = backend;
        await CallAsync(id, (c, o) => c.SwitchRouteAsync(request, o), ct);
        LogSwitched(logger, id.ToString(), api.Cluster, string.Join(", ", backends.Values));
    }

    public async Task ReleaseAsync(WorkloadId id, CancellationToken ct)
    {
        if (!await EnsureRouteAsync(id, null, ct)) return;
        await CallAsync(id, (c, o) => c.ReleaseRouteAsync(new RelayRouteRequest { Name = id.ToString() }, o), ct);
    }

    public async Task<bool> CloseIfOnlyLeadingToAsync(WorkloadId id, IReadOnlySet<string> backends, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (await api.FindAppAsync(AppIds.Address(builder.Options.AppGroup, id), ct) is null) return false;
            if (await RouteAsync(id, ct) is { } route && !route.Ports.All(p => backends.Contains(p.Backend))) return false;
            await RemoveRelayAsync(id, ct);
            LogClosed(logger, id.ToString(), api.Cluster);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Makes sure the relay app runs and its route listens on the host ports of its task (a relay Marathon restarted elsewhere
    /// or on other ports gets its route opened again, to the backends it had or <paramref name="backends"/>). False when the
    /// workload has no stable address here.
    /// </summary>
    private async Task<bool> EnsureRouteAsync(WorkloadId id, IReadOnlyDictionary<int, string>? backends, CancellationToken ct)
    {
        var appId = AppIds.Address(builder.Options.AppGroup, id);
        if (await api.FindAppAsync(appId, ct) is not { } relay) return false;
        var (_, task) = await tracker.WaitForTaskAsync(appId, null, (_, t) => t.IsRunning && t.Ports?.Count >= (relay.PortDefinitions?.Count ?? 0), ct);
        var listen = RelayAppBuilder.ListenPorts(relay, task);
        await WaitUntilAnsweringAsync(id, ct);
        var route = await RouteAsync(id, ct);
        var wanted = backends ?? route?.Ports.ToDictionary(p => (int)p.Port, p => p.Backend)
            ?? throw FederationException.FailedPrecondition($"the relay of {id} in cluster '{api.Cluster}' lost its route and no backend is known; delete and deploy the workload again");
        if (route is not null && route.Ports.All(p => listen.TryGetValue((int)p.Port, out var port) && port == p.ListenPort)
            && (backends is null || route.Ports.All(p => backends.TryGetValue((int)p.Port, out var b) && b == p.Backend)))
            return true;
        if (route is not null) await CallAsync(id, (c, o) => c.CloseRouteAsync(new RelayRouteRequest { Name = id.ToString() }, o), ct);
        var request = new OpenRelayRouteRequest { Name = id.ToString() };
        request.Ports.AddRange(wanted.Where(b => listen.ContainsKey(b.Key)).Select(b => new RelayPort { Port = (uint)b.Key, ListenPort = (uint)listen[b.Key], Backend = b.Value }));
        await CallAsync(id, (c, o) => c.OpenRouteAsync(request, o), ct);
        return true;
    }

    private async Task<RelayRoute?> RouteAsync(WorkloadId id, CancellationToken ct)
    {
        try
        {
            return (await CallAsync(id, (c, o) => c.ListRoutesAsync(new ListRelayRoutesRequest(), o), ct)).Routes.FirstOrDefault(r => r.Name == id.ToString());
        }
        catch (FederationException e) when (e.Error == FederationError.Unavailable && !File.Exists(SocketOf(id)))
        {
            return null;
        }
    }

    private async Task WaitUntilAnsweringAsync(WorkloadId id, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(RelayAnswerTimeout);
        using var channel = RelayChannel.ForSocket(SocketOf(id));
        var client = new V1.Relay.RelayClient(channel);
        var last = "its control socket is not there yet";
        try
        {
            await Backoff.Poll(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1), _ => false).ExecuteAsync(async token =>
            {
                if (!File.Exists(SocketOf(id))) return last;
                try
                {
                    await client.ListRoutesAsync(new ListRelayRoutesRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: token);
                    return null;
                }
                catch (RpcException e) when (!token.IsCancellationRequested)
                {
                    return last = Common.ErrorMappingInterceptor.OneLine(e.Status.Detail);
                }
            }, limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw FederationException.Unavailable($"the relay of {id} in cluster '{api.Cluster}' did not answer within {RelayAnswerTimeout.TotalSeconds:F0} s: {last}");
        }
    }

    /// <summary>Deletes the relay app, waits until its task is gone, and removes its directory. Safe to repeat.</summary>
    private async Task RemoveRelayAsync(WorkloadId id, CancellationToken ct)
    {
        var appId = AppIds.Address(builder.Options.AppGroup, id);
        var deployment = await api.DeleteAppAsync(appId, force: true, ct);
        await tracker.WaitGoneAsync(appId, deployment, ct);
        if (controls.TryRemove(id.ToString(), out var control)) control.Dispose();
        try { Directory.Delete(builder.DirectoryOf(id), recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    /// <summary>The lowest service ports of the range that no app of this Marathon uses.</summary>
    private async Task<List<int>> FreeServicePortsAsync(int count, CancellationToken ct)
    {
        var used = (await api.ListAllAppsAsync(ct)).SelectMany(a => (a.PortDefinitions ?? []).Select(p => p.Port)
            .Concat((a.Container?.Docker?.PortMappings ?? []).Select(m => m.ServicePort ?? 0))).ToHashSet();
        var free = Enumerable.Range(servicePortRange.Low, servicePortRange.High - servicePortRange.Low + 1).Where(p => !used.Contains(p)).Take(count).ToList();
        if (free.Count < count)
            throw new FederationException(FederationError.ResourceExhausted, $"cluster '{api.Cluster}' has no {count} free service port(s) in {servicePortRange.Low}-{servicePortRange.High}");
        return free;
    }

    private string SocketOf(WorkloadId id) => Path.Combine(builder.DirectoryOf(id), RelaySettings.SocketFileName);

    private Task<T> CallAsync<T>(WorkloadId id, Func<V1.Relay.RelayClient, CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        var control = controls.GetOrAdd(id.ToString(), _ => new RelayControl(SocketOf(id), t => WaitUntilAnsweringAsync(id, t), api.Cluster));
        return control.CallAsync(call, ct);
    }

    public void Dispose()
    {
        foreach (var control in controls.Values) control.Dispose();
        controls.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "stable address of {Workload} in cluster {Cluster}: {Address} (marathon-lb -> relay app)")]
    private static partial void LogPublished(ILogger logger, string workload, string cluster, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "stable address of {Workload} in cluster {Cluster} now leads to {Backends}")]
    private static partial void LogSwitched(ILogger logger, string workload, string cluster, string backends);

    [LoggerMessage(Level = LogLevel.Information, Message = "stable address of {Workload} in cluster {Cluster} closed: its relay app is deleted")]
    private static partial void LogClosed(ILogger logger, string workload, string cluster);
}
