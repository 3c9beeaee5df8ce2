using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Docker;

/// <summary>
/// The orchestrator adapter of a plain Docker host. A workload is one runtime (DinD container with
/// its Engine and Ambassador) named after the cluster and the workload. Its stable client address is
/// a <see cref="TcpSwitchProxy"/> in this process, on 127.0.0.1, that follows the app when it moves
/// (to another cluster and on, or back here). A workload that came from elsewhere keeps the name of
/// its home cluster and the stable address held there.
/// </summary>
public sealed partial class DockerHostAdapter : IOrchestratorAdapter, IAsyncDisposable
{
    private const string ClusterLabel = "federation.cluster";
    private const string NamespaceLabel = "federation.namespace";
    private const string WorkloadLabel = "federation.workload";

    private readonly DockerClient docker;
    private readonly DockerHostAdapterOptions options;
    private readonly DockerRuntimeHost host;
    private readonly DockerAdapterState state;
    private readonly ILogger logger;
    private static readonly TimeSpan HoldDrainLimit = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<(string Workload, int Port), TcpSwitchProxy> proxies = new();
    private readonly SemaphoreSlim gate = new(1, 1);
    private Task<string>? imageProbe;

    public DockerHostAdapter(DockerClient docker, DockerHostAdapterOptions options, ILoggerFactory loggers)
    {
        this.docker = docker;
        this.options = options;
        host = new DockerRuntimeHost(docker, options.Launch);
        state = new DockerAdapterState(Path.Combine(options.StateDirectory, $"docker-adapter-{options.Cluster}.json"));
        logger = loggers.CreateLogger<DockerHostAdapter>();
        foreach (var (key, route) in state.Routes())
        {
            foreach (var (containerPort, port) in route.Ports)
                proxies[(key, containerPort)] = new TcpSwitchProxy(port.ListenPort, port.Backend, options.MaxTrafficHold, logger);
        }
    }

    public string Kind => "docker";

    public DockerRuntimeHost Host => host;

    public async Task<NodeCapabilities> DescribeAsync(CancellationToken ct)
    {
        var info = await docker.System.GetSystemInfoAsync(ct);
        var probe = await (imageProbe ??= host.ProbeRuntimeImageAsync(CancellationToken.None)).WaitAsync(ct);
        var lines = probe.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim());
        var images = await docker.Images.ListImagesAsync(new ImagesListParameters(), ct);
        var count = (await RuntimeContainersAsync(ct)).Count;
        return new NodeCapabilities(
            Architecture: RuntimePlatform.GoArchitecture(info.Architecture),
            Kernel: info.KernelVersion ?? "",
            DockerVersion: RuntimePlatform.Version(lines.GetValueOrDefault("dockerd")),
            ContainerdVersion: RuntimePlatform.Version(lines.GetValueOrDefault("containerd")),
            RuncVersion: RuntimePlatform.Version(lines.GetValueOrDefault("runc")),
            CriuVersion: RuntimePlatform.Version(lines.GetValueOrDefault("criu")),
            DirtyTracking: lines.GetValueOrDefault("dirty", "").StartsWith("yes", StringComparison.Ordinal),
            MemoryFreeBytes: (ulong)Math.Max(0, info.MemTotal),
            WorkloadSlotsFree: Math.Max(0, options.MaxWorkloads - count),
            Images: images.SelectMany(i => i.RepoTags ?? []).Where(t => t != "<none>:<none>").ToHashSet());
    }

    public async Task<IReadOnlyList<WorkloadInfo>> ListWorkloadsAsync(CancellationToken ct)
    {
        var list = new List<WorkloadInfo>();
        foreach (var container in await RuntimeContainersAsync(ct))
        {
            var id = new WorkloadId(container.Labels[NamespaceLabel], container.Labels[WorkloadLabel]);
            if (await GetWorkloadAsync(id, ct) is { } info) list.Add(info);
        }
        return list.OrderBy(w => w.Id.ToString(), StringComparer.Ordinal).ToList();
    }

    public async Task<WorkloadInfo?> GetWorkloadAsync(WorkloadId id, CancellationToken ct)
    {
        var runtime = await host.FindRuntimeAsync(RuntimeName(id), ct);
        if (runtime is null) return null;
        var inspect = await docker.Containers.InspectContainerAsync(runtime.RuntimeContainerId, ct);
        var entry = state.Workload(id);
        var route = state.Route(id);
        return new WorkloadInfo(
            id,
            entry?.Role ?? WorkloadRole.Active,
            entry?.Image ?? (inspect.Config.Labels.TryGetValue("federation.image", out var image) ? image : ""),
            inspect.State.Running,
            runtime.EngineEndpoint,
            runtime.PeerEngineEndpoint,
            runtime.PublishedPorts.Where(p => p.Key != RuntimeLaunchOptions.EnginePort).ToDictionary(p => p.Key, p => $"127.0.0.1:{p.Value}"),
            route is not null ? StableAddressOf(route) : entry?.HomeAddress,
            entry?.MigrationId,
            route is null ? entry?.HomeCluster : null);
    }

    public async Task<WorkloadInfo> DeployAsync(WorkloadId id, AppSpec spec, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (await GetWorkloadAsync(id, ct) is not null)
                throw new FederationException(FederationError.AlreadyExists, $"workload {id} already exists in cluster '{options.Cluster}'");
            await CheckCapacityAsync(ct);
            state.PutWorkload(id, new DockerAdapterState.WorkloadEntry(WorkloadRole.Active, null, spec.Image));
        }
        finally
        {
            gate.Release();
        }
        var runtime = await StartRuntimeAsync(id, spec, ct);
        await host.StartAmbassadorAsync(runtime, spec, StartMode.Active, ct);
        var ready = await WaitReadyAsync(id, TimeSpan.FromSeconds(60), ct);
        var route = new DockerAdapterState.RouteEntry([]);
        foreach (var (containerPort, endpoint) in ready.AppEndpoints)
        {
            var proxy = proxies.GetOrAdd((id.ToString(), containerPort), _ => new TcpSwitchProxy(0, endpoint, options.MaxTrafficHold, logger));
            route.Ports[containerPort] = new DockerAdapterState.RoutePort(proxy.Port, endpoint);
        }
        state.PutRoute(id, route);
        LogDeployed(logger, id.ToString(), options.Cluster);
        return (await GetWorkloadAsync(id, ct))!;
    }

    public async Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var existing = await GetWorkloadAsync(id, ct);
            if (existing is not null)
            {
                if (existing.Role == WorkloadRole.Target && existing.MigrationId == migrationId) return existing;
                throw FederationException.FailedPrecondition($"workload {id} already exists in cluster '{options.Cluster}'");
            }
            await CheckCapacityAsync(ct);
            state.PutWorkload(id, new DockerAdapterState.WorkloadEntry(WorkloadRole.Target, migrationId, spec.Image, home?.Cluster, home?.Address));
        }
        finally
        {
            gate.Release();
        }
        var runtime = await StartRuntimeAsync(id, spec, ct);
        await host.StartAmbassadorAsync(runtime, spec, StartMode.Passive, ct);
        LogTargetCreated(logger, id.ToString(), options.Cluster, migrationId);
        return (await GetWorkloadAsync(id, ct))!;
    }

    public async Task<WorkloadInfo> WaitReadyAsync(WorkloadId id, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var last = "not started";
        try
        {
            while (true)
            {
                var info = await GetWorkloadAsync(id, limit.Token) ?? throw FederationException.NotFound($"workload {id} is not in cluster '{options.Cluster}'");
                using var channel = GrpcChannel.ForAddress(info.EngineEndpoint);
                var engine = new V1.Engine.EngineClient(channel);
                try
                {
                    var app = await engine.GetAppAsync(new GetAppRequest { Name = id.Name }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: limit.Token);
                    if (info.Role == WorkloadRole.Target ? app.State is AppState.WaitingForRestore or AppState.Running : app.State == AppState.Running)
                    {
                        if (info.Role == WorkloadRole.Target) return info;
                        var probe = await engine.ProbeAsync(new ProbeRequest { App = id.Name }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: limit.Token);
                        if (probe.AppAccepting) return info;
                        last = probe.Message;
                    }
                    else
                    {
                        last = $"app is {app.State}";
                    }
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                    last = e.Status.Detail;
                }
                await Task.Delay(250, limit.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw FederationException.Unavailable($"workload {id} was not ready within {timeout.TotalSeconds:F0} s: {last}");
        }
    }

    public Task PromoteTargetAsync(WorkloadId id, CancellationToken ct)
    {
        var entry = state.Workload(id);
        if (entry is { Role: WorkloadRole.Target }) state.PutWorkload(id, entry with { Role = WorkloadRole.Active, MigrationId = null });
        return Task.CompletedTask;
    }

    public Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct) =>
        Task.FromResult(state.Route(id) is { } route ? StableAddressOf(route) : null);

    public async Task HoldTrafficAsync(WorkloadId id, CancellationToken ct)
    {
        var held = ProxiesOf(id).ToList();
        foreach (var proxy in held) proxy.Hold();
        // Requests already forwarded finish before the caller freezes the app; long-lived connections only delay it a little.
        foreach (var proxy in held)
        {
            if (!await proxy.DrainAsync(HoldDrainLimit, ct)) LogDrainIncomplete(logger, id.ToString(), proxy.Port, HoldDrainLimit);
        }
    }

    public Task SwitchTrafficAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        var route = state.Route(id);
        if (route is null) return Task.CompletedTask;
        var updated = new DockerAdapterState.RouteEntry(new Dictionary<int, DockerAdapterState.RoutePort>(route.Ports));
        foreach (var (containerPort, port) in route.Ports)
        {
            if (!backends.TryGetValue(containerPort, out var backend)) continue;
            updated.Ports[containerPort] = port with { Backend = backend };
        }
        // Persisted before the proxies move: after a crash they come back pointing at the new backend.
        state.PutRoute(id, updated);
        foreach (var (containerPort, port) in updated.Ports)
        {
            if (proxies.TryGetValue((id.ToString(), containerPort), out var proxy)) proxy.Switch(port.Backend);
        }
        LogSwitched(logger, id.ToString(), string.Join(", ", updated.Ports.Values.Select(p => $"{p.ListenPort} -> {p.Backend}")));
        return Task.CompletedTask;
    }

    public Task ReleaseTrafficAsync(WorkloadId id, CancellationToken ct)
    {
        foreach (var proxy in ProxiesOf(id)) proxy.Release();
        return Task.CompletedTask;
    }

    public async Task DeleteWorkloadAsync(WorkloadId id, CancellationToken ct)
    {
        var runtime = await host.FindRuntimeAsync(RuntimeName(id), ct);
        var route = state.Route(id);
        if (route is not null && runtime is not null)
        {
            var own = runtime.PublishedPorts.Values.Select(p => $"127.0.0.1:{p}").ToHashSet();
            if (route.Ports.Values.All(p => own.Contains(p.Backend)))
            {
                // The stable address still leads to this runtime: nothing is left to forward to.
                foreach (var key in route.Ports.Keys)
                {
                    if (proxies.TryRemove((id.ToString(), key), out var proxy)) await proxy.DisposeAsync();
                }
                state.RemoveRoute(id);
            }
        }
        await host.RemoveAsync(RuntimeName(id), ct);
        state.RemoveWorkload(id);
        LogDeleted(logger, id.ToString(), options.Cluster);
    }

    public async IAsyncEnumerable<WorkloadEvent> WatchAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var known = (await ListWorkloadsAsync(ct)).ToDictionary(w => w.Id);
        using var timer = new PeriodicTimer(options.WatchInterval);
        while (await timer.WaitForNextTickAsync(ct))
        {
            var now = (await ListWorkloadsAsync(ct)).ToDictionary(w => w.Id);
            foreach (var (id, workload) in now)
            {
                if (!known.TryGetValue(id, out var before)) yield return new WorkloadEvent(WorkloadEventType.Added, workload);
                else if (before.Running != workload.Running || before.Role != workload.Role || before.StableAddress != workload.StableAddress)
                    yield return new WorkloadEvent(WorkloadEventType.Modified, workload);
            }
            foreach (var (id, workload) in known)
            {
                if (!now.ContainsKey(id)) yield return new WorkloadEvent(WorkloadEventType.Deleted, workload);
            }
            known = now;
        }
    }

    private async Task<RuntimeInstance> StartRuntimeAsync(WorkloadId id, AppSpec spec, CancellationToken ct)
    {
        var ports = spec.Ports.Select(p => (int)(p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort)).ToList();
        var name = RuntimeName(id);
        var runtime = await host.FindRuntimeAsync(name, ct);
        if (runtime is null)
        {
            await host.RemoveAsync(name, ct); // leftovers of a start that did not finish
            runtime = await host.StartRuntimeAsync(name, ports, new Dictionary<string, string>
            {
                [ClusterLabel] = options.Cluster,
                [NamespaceLabel] = id.Namespace,
                [WorkloadLabel] = id.Name,
                ["federation.image"] = spec.Image,
            }, ct);
        }
        await LoadImageAsync(runtime, spec.Image, ct);
        return runtime;
    }

    private async Task LoadImageAsync(RuntimeInstance runtime, string image, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(runtime.EngineEndpoint);
        var engine = new V1.Engine.EngineClient(channel.Intercept(DefaultDeadlineInterceptor.Standard));
        var described = await engine.DescribeAsync(new DescribeRequest(), cancellationToken: ct);
        if (described.Images.Contains(image)) return;
        try
        {
            await host.LoadImageAsync(runtime, image, ct);
        }
        catch (DockerImageNotFoundException)
        {
            throw FederationException.FailedPrecondition($"image {image} is not on the Docker host of cluster '{options.Cluster}'");
        }
    }

    private async Task CheckCapacityAsync(CancellationToken ct)
    {
        if ((await RuntimeContainersAsync(ct)).Count >= options.MaxWorkloads)
            throw new FederationException(FederationError.ResourceExhausted, $"cluster '{options.Cluster}' has no free workload slot ({options.MaxWorkloads} in use)");
    }

    private async Task<IList<ContainerListResponse>> RuntimeContainersAsync(CancellationToken ct) =>
        (await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ClusterLabel}={options.Cluster}"] = true, [WorkloadLabel] = true },
            },
        }, ct)).Where(c => c.Names.Any(n => n.TrimStart('/') == RuntimeName(new WorkloadId(c.Labels[NamespaceLabel], c.Labels[WorkloadLabel])))).ToList();

    private static string? StableAddressOf(DockerAdapterState.RouteEntry route) =>
        route.Ports.Count == 0 ? null : $"127.0.0.1:{route.Ports.OrderBy(p => p.Key).First().Value.ListenPort}";

    private IEnumerable<TcpSwitchProxy> ProxiesOf(WorkloadId id) =>
        proxies.Where(p => p.Key.Workload == id.ToString()).Select(p => p.Value);

    public string RuntimeName(WorkloadId id)
    {
        var name = $"{options.NamePrefix}-{options.Cluster}-{id.Namespace}-{id.Name}";
        if (name.Length <= 63) return name;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8];
        return $"{name[..54].TrimEnd('-')}-{hash}";
    }


    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in proxies.Values) await proxy.DisposeAsync();
        proxies.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} deployed in cluster {Cluster}")]
    private static partial void LogDeployed(ILogger logger, string workload, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "passive target {Workload} created in cluster {Cluster} for migration {Migration}")]
    private static partial void LogTargetCreated(ILogger logger, string workload, string cluster, string migration);

    [LoggerMessage(Level = LogLevel.Information, Message = "traffic of {Workload} switched: {Routes}")]
    private static partial void LogSwitched(ILogger logger, string workload, string routes);

    [LoggerMessage(Level = LogLevel.Information, Message = "traffic of {Workload} held at port {Port}; connections still open after {Limit} keep their backend")]
    private static partial void LogDrainIncomplete(ILogger logger, string workload, int port, TimeSpan limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} removed from cluster {Cluster}")]
    private static partial void LogDeleted(ILogger logger, string workload, string cluster);
}
