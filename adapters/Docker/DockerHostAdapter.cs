using System.Runtime.CompilerServices;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Docker;

/// <summary>
/// The orchestrator adapter of a plain Docker host (one node). A workload is one runtime (DinD
/// container with its Engine and Ambassador) named after the cluster and the workload; its stable
/// client address is kept by <see cref="ProxyTrafficSwitch"/>. A workload that came from elsewhere
/// keeps the name of its home cluster and the stable address held there. Everything that happens
/// inside a runtime (readiness, images) goes through the coordinator's <see cref="IRuntimeEngines"/>.
/// </summary>
public sealed partial class DockerHostAdapter : IOrchestratorAdapter
{
    internal const string ClusterLabel = "federation.cluster";
    private const string NamespaceLabel = "federation.namespace";
    private const string WorkloadLabel = "federation.workload";
    private static readonly TimeSpan DeployReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly DockerClient docker;
    private readonly DockerHostAdapterOptions options;
    private readonly DockerRuntimeHost host;
    private readonly DockerAdapterState state;
    private readonly ProxyTrafficSwitch traffic;
    private readonly IRuntimeEngines engines;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private Task<DescribeResponse>? imageProbe;
    private string? node;

    public DockerHostAdapter(DockerClient docker, DockerHostAdapterOptions options, DockerRuntimeHost host, DockerAdapterState state,
        ProxyTrafficSwitch traffic, IRuntimeEngines engines, ILoggerFactory loggers)
    {
        this.docker = docker;
        this.options = options;
        this.host = host;
        this.state = state;
        this.traffic = traffic;
        this.engines = engines;
        logger = loggers.CreateLogger<DockerHostAdapter>();
        Pool = new WarmRuntimePool(host, options, PlaceImageAsync, loggers.CreateLogger<WarmRuntimePool>());
    }

    /// <summary>The spare runtimes targets adopt (<see cref="WarmRuntimePoolService"/> runs it).</summary>
    public WarmRuntimePool Pool { get; }

    public string Kind => DockerAdapterRegistration.Kind;

    public DockerRuntimeHost Host => host;

    /// <summary>
    /// The Docker host is the only node. What a runtime there would be comes from running the runtime
    /// image once (its versions and CRIU's dirty-tracking check), with the host's kernel and architecture;
    /// the target's own Engine confirms it at prepare time.
    /// </summary>
    public async Task<PlacementOffer> OfferPlacementAsync(AppSpec spec, CancellationToken ct)
    {
        var info = await docker.System.GetSystemInfoAsync(ct);
        var probe = await (imageProbe ??= host.ProbeRuntimeImageAsync(CancellationToken.None)).WaitAsync(ct);
        var runtime = probe.Clone();
        runtime.Architecture = RuntimePlatform.GoArchitecture(info.Architecture);
        runtime.Kernel = info.KernelVersion ?? "";
        runtime.MemoryTotalBytes = (ulong)Math.Max(0, info.MemTotal);
        runtime.Cpus = (uint)Math.Max(0, info.NCPU);
        var images = await docker.Images.ListImagesAsync(new ImagesListParameters(), ct);
        var count = (await RuntimeContainersAsync(ct)).Count;
        node = info.Name;
        return new PlacementOffer(
            Node: info.Name ?? "",
            Runtime: runtime,
            MemoryFreeBytes: options.LocalEngine ? HostMemory.AvailableBytes() : null,
            WorkloadSlotsFree: Math.Max(0, options.MaxWorkloads - count),
            Images: OfferedImages(images, spec),
            SharedVolumes: AppSpecContainers.SharedVolumes(spec).Where(HasSharedVolume).ToList());
    }

    /// <summary>Whether this host's shared storage (<c>--shared-volumes</c>, bound into every runtime) holds the volume.</summary>
    private bool HasSharedVolume(string name) =>
        options.Launch.SharedVolumesDirectory is { } root && Directory.Exists(Path.Combine(root, name));

    /// <summary>
    /// The Docker host's room: its memory and CPUs from the engine's info, free memory and load from this machine when the
    /// engine is local (a remote engine does not tell them), runtimes against <c>--max-workloads</c>.
    /// </summary>
    public async Task<CapacityReport> GetCapacityAsync(CancellationToken ct)
    {
        var info = await docker.System.GetSystemInfoAsync(ct);
        var cpus = (uint)Math.Max(0, info.NCPU);
        var count = (await RuntimeContainersAsync(ct)).Count;
        var free = options.LocalEngine ? HostMemory.AvailableBytes() : null;
        var load = options.LocalEngine ? HostLoad.CpuUsed(cpus) : null;
        var detail = options.LocalEngine ? "" : "free memory and CPU load are not known for a remote Docker engine";
        return new CapacityReport((ulong)Math.Max(0, info.MemTotal), free, cpus, load, count, options.MaxWorkloads, detail);
    }

    /// <summary>
    /// The host's images, and with the registry source the app's own: its runtime pulls it while the target is prepared
    /// (an image the registry lacks fails the prepare with NotFound, before anything moves).
    /// </summary>
    private HashSet<string> OfferedImages(IEnumerable<ImagesListResponse> hostImages, AppSpec spec)
    {
        var offered = hostImages.SelectMany(i => i.RepoTags ?? []).Where(t => t != "<none>:<none>").ToHashSet();
        if (options.RegistryPulls is not null) offered.UnionWith(AppSpecContainers.Images(spec).Where(i => i.Length > 0));
        return offered;
    }

    public async Task<IReadOnlyList<WorkloadInfo>> ListWorkloadsAsync(CancellationToken ct)
    {
        var list = new List<WorkloadInfo>();
        foreach (var id in await RuntimeContainersAsync(ct))
        {
            if (await GetWorkloadAsync(id, ct) is { } info) list.Add(info);
        }
        return list.OrderBy(w => w.Id.ToString(), StringComparer.Ordinal).ToList();
    }

    public async Task<WorkloadInfo?> GetWorkloadAsync(WorkloadId id, CancellationToken ct)
    {
        var runtime = await host.FindRuntimeAsync(RuntimeName(id), ct);
        var entry = state.Workload(id);
        if (runtime is null)
        {
            // A runtime whose container stopped (it died, or someone stopped it) is still the workload: not running, at the ports it had.
            if (entry is null || await host.IsRunningAsync(RuntimeName(id), ct) != false) return null;
            var engine = new Uri($"http://127.0.0.1:{entry.Ports?.GetValueOrDefault(RuntimeLaunchOptions.EnginePort) ?? 0}");
            return await InfoAsync(id, entry, entry.Image, running: false, engine, engine,
                RuntimeInstance.AppEndpointsOf(entry.Ports ?? [], entry.Gateway, entry.GatewayPorts), ct);
        }
        var inspect = await docker.Containers.InspectContainerAsync(runtime.RuntimeContainerId, ct);
        var image = entry?.Image ?? (inspect.Config.Labels.TryGetValue("federation.image", out var label) ? label : "");
        return await InfoAsync(id, entry, image, inspect.State.Running, runtime.EngineEndpoint, runtime.PeerEngineEndpoint, runtime.AppEndpoints, ct);
    }

    /// <summary>The workload as the coordinator sees it, from what Docker and the adapter's state say of it.</summary>
    /// <param name="appEndpoints">App port -> "host:port" where other clusters reach it (<see cref="RuntimeInstance.AppEndpointsOf"/>).</param>
    private async Task<WorkloadInfo> InfoAsync(WorkloadId id, DockerAdapterState.WorkloadEntry? entry, string image, bool running,
        Uri engine, Uri peerEngine, IReadOnlyDictionary<int, string> appEndpoints, CancellationToken ct)
    {
        var stable = await traffic.StableAddressAsync(id, ct);
        node ??= (await docker.System.GetSystemInfoAsync(ct)).Name;
        return new WorkloadInfo(
            id,
            entry?.Role ?? WorkloadRole.Active,
            image,
            running,
            engine,
            peerEngine,
            appEndpoints,
            stable ?? entry?.HomeAddress,
            entry?.MigrationId,
            stable is null ? entry?.HomeCluster : null,
            node ?? "",
            WorkloadSpecLabels.Of(entry?.Spec));
    }

    public async Task<WorkloadInfo> DeployAsync(WorkloadId id, AppSpec spec, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (await GetWorkloadAsync(id, ct) is not null)
                throw new FederationException(FederationError.AlreadyExists, $"workload {id} already exists in cluster '{options.Cluster}'");
            await CheckCapacityAsync(ct);
            if (AppSpecContainers.SharedVolumes(spec).FirstOrDefault(v => !HasSharedVolume(v)) is { } missing)
                throw FederationException.FailedPrecondition(options.Launch.SharedVolumesDirectory is null
                    ? $"workload {id} uses shared volume '{missing}', but cluster '{options.Cluster}' has no shared storage (--shared-volumes)"
                    : $"workload {id} uses shared volume '{missing}', which is not in cluster '{options.Cluster}''s shared storage ({Path.Combine(options.Launch.SharedVolumesDirectory, missing)})");
            state.PutWorkload(id, new DockerAdapterState.WorkloadEntry(WorkloadRole.Active, null, AppSpecContainers.MainImage(spec), Spec: JsonFormatter.Default.Format(spec)));
        }
        finally
        {
            gate.Release();
        }
        try
        {
            var started = await StartActiveAsync(id, spec, reuse: null, ct);
            await traffic.PublishAsync(id, started.AppEndpoints, ct);
        }
        catch (Exception e)
        {
            // A deploy that fails leaves nothing behind: no runtime, no volume, the name free again.
            LogDeployFailed(logger, id.ToString(), options.Cluster, e.Message);
            state.RemoveWorkload(id);
            await host.RemoveAsync(RuntimeName(id), CancellationToken.None);
            throw;
        }
        LogDeployed(logger, id.ToString(), options.Cluster);
        Pool.Refill();
        return (await GetWorkloadAsync(id, ct))!;
    }

    public Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, CancellationToken ct) =>
        CreatePassiveTargetAsync(id, spec, migrationId, home, StepTimes.Discarded, ct);

    public async Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, StepTimes steps, CancellationToken ct)
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
            state.PutWorkload(id, new DockerAdapterState.WorkloadEntry(WorkloadRole.Target, migrationId, AppSpecContainers.MainImage(spec), home?.Cluster, home?.Address,
                JsonFormatter.Default.Format(spec)));
        }
        finally
        {
            gate.Release();
        }
        try
        {
            var runtime = await StartRuntimeAsync(id, spec, ct, steps: steps, adopt: true);
            // The Engine registers the passive app at once; the Ambassador, whose process takes a while to start, finds it registered.
            var ambassador = steps.MeasureAsync("ambassador", () => host.StartAmbassadorAsync(runtime, spec, StartMode.Passive, ct));
            await steps.MeasureAsync("passive app", () => engines.RegisterPassiveAppAsync(runtime.EngineEndpoint, spec, ct));
            await ambassador;
        }
        catch (Exception e) when (e is FederationException or DockerApiException)
        {
            // A target that could not get its image (or start) leaves nothing behind: the source's migration fails before anything moved.
            LogTargetFailed(logger, id.ToString(), options.Cluster, migrationId, e.Message);
            state.RemoveWorkload(id);
            await host.RemoveAsync(RuntimeName(id), CancellationToken.None);
            throw;
        }
        LogTargetCreated(logger, id.ToString(), options.Cluster, migrationId);
        return (await GetWorkloadAsync(id, ct))!;
    }

    /// <summary>A plain Docker host restarts nothing by itself: the coordinator recreates a runtime that died.</summary>
    public bool HealsWorkloads => false;

    public async Task<WorkloadInfo> RecreateAsync(WorkloadId id, CancellationToken ct)
    {
        var entry = state.Workload(id) ?? throw FederationException.NotFound($"workload {id} is not in cluster '{options.Cluster}'");
        if (entry.Role != WorkloadRole.Active) throw FederationException.FailedPrecondition($"workload {id} is a migration target: its migration decides what happens to it");
        if (entry.Spec is null) throw FederationException.FailedPrecondition($"cluster '{options.Cluster}' kept no app spec of {id}: it cannot recreate it");
        var spec = AppSpec.Parser.ParseJson(entry.Spec);
        var before = RuntimeInstance.AppEndpointsOf(entry.Ports ?? [], entry.Gateway, entry.GatewayPorts);
        // The network stays (a new one may get another gateway address) and the host ports are the same: the stable
        // address (here or in the workload's home cluster) keeps its backends.
        await host.RemoveAsync(RuntimeName(id), ct, keepNetwork: true);
        var started = await StartActiveAsync(id, spec, entry, ct);
        var moved = started.AppEndpoints.Where(e => before.GetValueOrDefault(e.Key) != e.Value).ToList();
        if (moved.Count > 0)
        {
            // The network was made anew (someone removed it) with another gateway: this cluster's own stable address follows.
            LogEndpointsMoved(logger, id.ToString(), string.Join(", ", moved.Select(e => $"{e.Key} -> {e.Value}")));
            await traffic.RepointIfLeadingToAsync(id, RuntimeInstance.AllAppEndpointsOf(entry.Ports ?? [], entry.Gateway, entry.GatewayPorts), started.AppEndpoints, ct);
        }
        LogRecreated(logger, id.ToString(), options.Cluster);
        return started;
    }

    /// <summary>Starts the runtime with the app's image, its Ambassador in active mode, and returns once the app serves.</summary>
    /// <param name="reuse">The state of a runtime this one replaces: its host ports are published again.</param>
    private async Task<WorkloadInfo> StartActiveAsync(WorkloadId id, AppSpec spec, DockerAdapterState.WorkloadEntry? reuse, CancellationToken ct)
    {
        var runtime = await StartRuntimeAsync(id, spec, ct, reuse);
        await host.StartAmbassadorAsync(runtime, spec, StartMode.Active, ct);
        var started = await GetWorkloadAsync(id, ct) ?? throw FederationException.Unavailable($"the runtime of {id} disappeared while it started");
        await engines.WaitForAppAsync(started, DeployReadyTimeout, ct);
        return started;
    }

    public Task PromoteTargetAsync(WorkloadId id, CancellationToken ct)
    {
        var entry = state.Workload(id);
        if (entry is { Role: WorkloadRole.Target }) state.PutWorkload(id, entry with { Role = WorkloadRole.Active, MigrationId = null });
        Pool.Refill();
        return Task.CompletedTask;
    }

    public async Task DeleteWorkloadAsync(WorkloadId id, CancellationToken ct)
    {
        var runtime = await host.FindRuntimeAsync(RuntimeName(id), ct);
        var entry = state.Workload(id);
        var backends = runtime is not null ? RuntimeInstance.AllAppEndpointsOf(runtime.PublishedPorts, runtime.Gateway, runtime.GatewayPorts)
            : entry?.Ports is { } ports ? RuntimeInstance.AllAppEndpointsOf(ports, entry.Gateway, entry.GatewayPorts)
            : null;
        // A stable address that still leads to this runtime has nothing left to forward to; one switched elsewhere keeps forwarding.
        if (backends is not null)
            await traffic.CloseIfOnlyLeadingToAsync(id, backends, ct);
        // Forgotten first: a runtime seen stopped while it is being removed is not taken for one that died.
        state.RemoveWorkload(id);
        await host.RemoveAsync(RuntimeName(id), ct);
        LogDeleted(logger, id.ToString(), options.Cluster);
        Pool.Refill();
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

    /// <param name="reuse">The state of a runtime this one replaces: its host ports (on 127.0.0.1 and on the gateway) are published again.</param>
    /// <param name="adopt">Take a warm runtime of the pool when one publishes the app's ports (a migration's target).</param>
    private async Task<RuntimeInstance> StartRuntimeAsync(WorkloadId id, AppSpec spec, CancellationToken ct, DockerAdapterState.WorkloadEntry? reuse = null,
        StepTimes? steps = null, bool adopt = false)
    {
        steps ??= StepTimes.Discarded;
        var ports = spec.Ports.Select(p => (int)(p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort)).ToList();
        var name = RuntimeName(id);
        Pool.Learn(spec, ports);
        var runtime = await host.FindRuntimeAsync(name, ct);
        if (runtime is null && adopt && reuse is null)
            runtime = await AdoptWarmAsync(id, name, ports, steps, ct);
        if (runtime is null)
        {
            await host.RemoveAsync(name, ct); // leftovers of a start that did not finish
            runtime = await host.StartRuntimeAsync(name, ports, new Dictionary<string, string>
            {
                [ClusterLabel] = options.Cluster,
                [NamespaceLabel] = id.Namespace,
                [WorkloadLabel] = id.Name,
                ["federation.image"] = AppSpecContainers.MainImage(spec),
            }, ct, reuse?.Ports, reuse?.GatewayPorts, steps);
        }
        if (state.Workload(id) is { } entry)
        {
            state.PutWorkload(id, entry with
            {
                WarmRuntime = runtime.VolumeName == $"{name}-state" ? null : runtime.VolumeName[..^"-state".Length],
                Ports = new Dictionary<int, int>(runtime.PublishedPorts),
                Gateway = runtime.Gateway,
                GatewayPorts = new Dictionary<int, int>(runtime.GatewayPorts),
            });
        }
        await steps.MeasureAsync("image", async () =>
        {
            // A workload of several containers needs each of their images.
            foreach (var image in AppSpecContainers.Images(spec)) await PlaceImageAsync(runtime, image, ct);
        });
        return runtime;
    }

    /// <summary>
    /// A warm runtime of the pool becomes the workload's runtime: the adoption is written to the state first (so a crash in
    /// between leaves a runtime that is found and removed with the workload), then its containers are renamed. Null when the
    /// pool has no runtime with the app's ports, or the one taken could not be adopted (removed; the caller starts one).
    /// </summary>
    private async Task<RuntimeInstance?> AdoptWarmAsync(WorkloadId id, string name, IReadOnlyCollection<int> ports, StepTimes steps, CancellationToken ct)
    {
        // The pool is filled again once the migration that adopted it ends (the target promoted or removed), not during the move.
        if (Pool.Take(ports) is not { } warm) return null;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            if (state.Workload(id) is { } entry) state.PutWorkload(id, entry with { WarmRuntime = warm });
            await host.RemoveAsync(name, ct, keepNetwork: true); // leftovers of a start that did not finish
            var runtime = await host.AdoptAsync(warm, name, ct);
            steps.Record("warm runtime adopted", System.Diagnostics.Stopwatch.GetElapsedTime(started));
            LogAdopted(logger, warm, id.ToString(), options.Cluster);
            return runtime;
        }
        catch (Exception e) when (e is FederationException or DockerApiException)
        {
            LogAdoptFailed(logger, warm, id.ToString(), e.Message);
            await host.RemoveAsync(name, CancellationToken.None, keepNetwork: true);
            await host.RemoveAsync(warm, CancellationToken.None, keepNetwork: true);
            return null;
        }
    }

    /// <summary>
    /// The app's image into the runtime: pulled by its inner dockerd from the registry, or streamed from this Docker host.
    /// A migration's target gets it here, while it is prepared: before the first pre-copy round, never during the freeze.
    /// </summary>
    private async Task PlaceImageAsync(RuntimeInstance runtime, string image, CancellationToken ct)
    {
        if (options.RegistryPulls is { } pulls)
        {
            try
            {
                var pulled = await engines.PullImageAsync(runtime.EngineEndpoint, pulls.RequestFor(image), null, ct);
                LogPulled(logger, image, options.Cluster, pulled.AlreadyPresent ? "already there" : "pulled");
            }
            catch (FederationException e)
            {
                throw new FederationException(e.Error, $"cluster '{options.Cluster}' could not pull image {Names.Shorten(image)}: {e.Message}");
            }
            return;
        }
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

    /// <summary>
    /// The workloads whose runtime container exists: started for them (their labels name them), or warm runtimes they adopted
    /// (renamed to their runtime's name, the adoption in the state). Spares not adopted are no workloads.
    /// </summary>
    private async Task<IReadOnlyList<WorkloadId>> RuntimeContainersAsync(CancellationToken ct)
    {
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ClusterLabel}={options.Cluster}"] = true } },
        }, ct);
        var adopted = new Dictionary<string, WorkloadId>(StringComparer.Ordinal);
        foreach (var (key, entry) in state.Workloads())
        {
            if (entry.WarmRuntime is { } warm && WorkloadId.TryParse(key) is { } owner) adopted.TryAdd(warm, owner);
        }
        var ids = new List<WorkloadId>();
        foreach (var c in containers)
        {
            WorkloadId id;
            if (c.Labels.TryGetValue(WorkloadLabel, out var workload) && c.Labels.TryGetValue(NamespaceLabel, out var ns)) id = new WorkloadId(ns, workload);
            else if (c.Labels.TryGetValue(WarmRuntimePool.WarmLabel, out _) && c.Labels.TryGetValue(DockerRuntimeHost.RuntimeLabel, out var key) && adopted.TryGetValue(key, out var by)) id = by;
            else continue;
            if (c.Names.Any(n => n.TrimStart('/') == RuntimeName(id))) ids.Add(id);
        }
        return ids;
    }

    public string RuntimeName(WorkloadId id)
    {
        var name = $"{options.NamePrefix}-{options.Cluster}-{id.Namespace}-{id.Name}";
        if (name.Length <= 63) return name;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8];
        return $"{name[..54].TrimEnd('-')}-{hash}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "warm runtime {Warm} adopted by {Workload} in cluster {Cluster}")]
    private static partial void LogAdopted(ILogger logger, string warm, string workload, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "warm runtime {Warm} could not be adopted by {Workload}, removed (a runtime is started instead): {Reason}")]
    private static partial void LogAdoptFailed(ILogger logger, string warm, string workload, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "passive target {Workload} in cluster {Cluster} for migration {Migration} failed, its runtime removed: {Reason}")]
    private static partial void LogTargetFailed(ILogger logger, string workload, string cluster, string migration, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "image {Image} in a runtime of cluster {Cluster}: {Outcome}")]
    private static partial void LogPulled(ILogger logger, string image, string cluster, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "deploy of {Workload} in cluster {Cluster} failed, its runtime removed: {Reason}")]
    private static partial void LogDeployFailed(ILogger logger, string workload, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} deployed in cluster {Cluster}")]
    private static partial void LogDeployed(ILogger logger, string workload, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "passive target {Workload} created in cluster {Cluster} for migration {Migration}")]
    private static partial void LogTargetCreated(ILogger logger, string workload, string cluster, string migration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "workload {Workload}: its recreated runtime's app endpoints moved ({Endpoints}); only a stable address this cluster holds follows them")]
    private static partial void LogEndpointsMoved(ILogger logger, string workload, string endpoints);

    [LoggerMessage(Level = LogLevel.Warning, Message = "workload {Workload} in cluster {Cluster}: its runtime was recreated")]
    private static partial void LogRecreated(ILogger logger, string workload, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} removed from cluster {Cluster}")]
    private static partial void LogDeleted(ILogger logger, string workload, string cluster);
}
