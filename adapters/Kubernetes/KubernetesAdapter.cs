using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.Adapters.Kubernetes.Images;
using Federation.Adapters.Kubernetes.Ownership;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Adapters.Kubernetes.Traffic;
using Federation.V1;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Kubernetes;

/// <summary>
/// The orchestrator adapter of a Kubernetes (or K3s) cluster. A workload is a runtime pod (<see cref="RuntimePodBuilder"/>)
/// labelled <c>federation.io/runtime=true</c> and <c>federation.io/workload={name}</c>, in the workload's namespace; a
/// ReplicaSet heals it (<see cref="WorkloadOwners"/>); its stable address is a Service of the same name behind the
/// cluster's relay (<see cref="ServiceTrafficSwitch"/>). Engines are reached at the pod's IP (port 50051) by this
/// coordinator, and by other clusters' runtimes at a NodePort Service of the pod on its node's InternalIP (or the pod IP
/// on one flat network).
/// </summary>
public sealed partial class KubernetesAdapter : IOrchestratorAdapter
{
    private const string RuntimeSelector = FederationLabels.Runtime + "=true";
    private const string PodLabel = "federation.io/pod";
    private static readonly TimeSpan DeleteTimeout = TimeSpan.FromSeconds(120);

    private readonly KubeApi api;
    private readonly KubernetesAdapterOptions options;
    private readonly RuntimePodBuilder builder;
    private readonly WorkloadOwners owners;
    private readonly ServiceTrafficSwitch traffic;
    private readonly PlacementProbe probe;
    private readonly IRuntimeEngines engines;
    private readonly EngineSecrets secrets;
    private readonly LocalDockerImages? images;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);

    public KubernetesAdapter(KubeApi api, KubernetesAdapterOptions options, RuntimePodBuilder builder, WorkloadOwners owners, ServiceTrafficSwitch traffic,
        PlacementProbe probe, IRuntimeEngines engines, ILoggerFactory loggers)
    {
        this.api = api;
        this.options = options;
        this.builder = builder;
        this.owners = owners;
        this.traffic = traffic;
        this.probe = probe;
        this.engines = engines;
        secrets = new EngineSecrets(api, options.Pods.EngineSecretName, options.Cluster, engines);
        this.loggers = loggers;
        images = options.ImageDockerSocket.Length > 0 ? new LocalDockerImages(options.ImageDockerSocket) : null;
        logger = loggers.CreateLogger<KubernetesAdapter>();
    }

    public string Kind => options.Flavor.Kind;

    /// <summary>The orchestrator heals: a ReplicaSet (the coordinator's healer or the user's Deployment) replaces a dead runtime pod.</summary>
    public bool HealsWorkloads => true;

    public async Task<PlacementOffer> OfferPlacementAsync(AppSpec spec, CancellationToken ct)
    {
        var nodes = (await api.CallAsync("list nodes", t => api.Client.CoreV1.ListNodeAsync(cancellationToken: t), ct)).Items
            .Where(n => n.Spec?.Unschedulable != true && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != false).ToList();
        if (nodes.Count == 0) throw FederationException.Unavailable($"cluster '{options.Cluster}' has no ready, schedulable node");
        var pods = (await api.CallAsync("list pods", t => api.Client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: t), ct)).Items
            .Where(p => p.Status?.Phase is not ("Succeeded" or "Failed")).ToList();
        // The node a scheduler would favour for memory: allocatable minus what the pods there request.
        var (node, free) = nodes.Select(n => (Node: n, Free: Allocatable(n) - Requested(pods.Where(p => p.Spec?.NodeName == n.Metadata.Name))))
            .OrderByDescending(x => x.Free).First();
        var runtime = (await probe.RuntimeAsync(ct)).Clone();
        var info = node.Status?.NodeInfo;
        runtime.Architecture = info?.Architecture ?? "";
        runtime.Kernel = info?.KernelVersion ?? "";
        runtime.MemoryTotalBytes = (ulong)Math.Max(0, Quantity(node.Status?.Capacity, "memory"));
        runtime.Cpus = (uint)Math.Max(0, Quantity(node.Status?.Capacity, "cpu"));
        var count = (await RuntimePodsAsync(null, ct)).Select(RuntimePodView.IdOf).Distinct().Count();
        IReadOnlyCollection<string> available = images is not null ? await images.ListAsync(ct) : Common.AppSpecContainers.Images(spec);
        return new PlacementOffer(node.Metadata.Name, runtime, (ulong)Math.Max(0, free), Math.Max(0, options.MaxWorkloads - count), available);
    }

    /// <summary>Allocatable CPU and memory of the ready nodes, and what is in use there (<see cref="KubeCapacity"/>).</summary>
    public async Task<CapacityReport> GetCapacityAsync(CancellationToken ct)
    {
        var nodes = (await api.CallAsync("list nodes", t => api.Client.CoreV1.ListNodeAsync(cancellationToken: t), ct)).Items;
        var pods = (await api.CallAsync("list pods", t => api.Client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: t), ct)).Items;
        IReadOnlyList<NodeMetrics>? metrics = null;
        var missing = "";
        try
        {
            metrics = (await api.CallAsync("list node metrics", t => api.Client.CustomObjects.ListClusterCustomObjectAsync<NodeMetricsList>(
                "metrics.k8s.io", "v1beta1", "nodes", cancellationToken: t), ct)).Items?.ToList() ?? [];
        }
        catch (FederationException e) when (e.Error is FederationError.NotFound or FederationError.Unavailable or FederationError.PermissionDenied)
        {
            // No metrics-server (404), one that does not answer (503), or no right to read it: the pods' requests instead.
            missing = e.Message;
        }
        var count = pods.Where(p => p.Metadata.Labels is { } labels && labels.TryGetValue(FederationLabels.Runtime, out var runtime) && runtime == "true"
                && labels.ContainsKey(FederationLabels.Workload))
            .Select(RuntimePodView.IdOf).Distinct().Count();
        return KubeCapacity.Report(nodes, pods, metrics, missing, count, options.MaxWorkloads);
    }

    private static long Allocatable(V1Node node) => Quantity(node.Status?.Allocatable, "memory");

    private static long Requested(IEnumerable<V1Pod> pods) =>
        pods.SelectMany(p => p.Spec?.Containers ?? []).Sum(c => Quantity(c.Resources?.Requests, "memory"));

    private static long Quantity(IDictionary<string, ResourceQuantity>? map, string key) =>
        map?.TryGetValue(key, out var q) == true ? (long)q.ToDecimal() : 0;

    public async Task<IReadOnlyList<WorkloadInfo>> ListWorkloadsAsync(CancellationToken ct)
    {
        var list = new List<WorkloadInfo>();
        foreach (var group in (await RuntimePodsAsync(null, ct)).GroupBy(RuntimePodView.IdOf))
        {
            if (RuntimePodView.Pick(group) is { } pod) list.Add(await InfoAsync(pod, ct));
        }
        return list.OrderBy(w => w.Id.ToString(), StringComparer.Ordinal).ToList();
    }

    public async Task<WorkloadInfo?> GetWorkloadAsync(WorkloadId id, CancellationToken ct) =>
        await PodOfAsync(id, ct) is { } pod ? await InfoAsync(pod, ct) : null;

    public async Task<WorkloadInfo> DeployAsync(WorkloadId id, AppSpec spec, CancellationToken ct)
    {
        Federation.Common.SharedStorage.Refuse(id, spec, "Kubernetes");
        await gate.WaitAsync(ct);
        V1Pod pod;
        try
        {
            if (await PodOfAsync(id, ct) is not null)
                throw new FederationException(FederationError.AlreadyExists, $"workload {id} already exists in cluster '{options.Cluster}'");
            await CheckCapacityAsync(ct);
            pod = await CreateRuntimePodAsync(id, spec, $"{id.Name}-{Guid.NewGuid().ToString("N")[..5]}", RuntimePodRole.Serving, ct);
        }
        finally
        {
            gate.Release();
        }
        try
        {
            var started = await StartAsync(id, pod, spec, ct);
            await owners.EnsureHealerAsync(id, pod, spec, ct);
            await traffic.PublishAsync(id, started.AppEndpoints.Count > 0 ? LocalBackends(started) : new Dictionary<int, string>(), ct);
        }
        catch (Exception e)
        {
            // A deploy that fails leaves nothing behind: no pod, no healer, no Service, the name free again.
            LogDeployFailed(logger, id.ToString(), options.Cluster, e.Message);
            await RemoveAsync(id, CancellationToken.None);
            throw;
        }
        LogDeployed(logger, id.ToString(), options.Cluster, pod.Metadata.Name);
        return (await GetWorkloadAsync(id, ct))!;
    }

    public async Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, CancellationToken ct)
    {
        var name = $"{id.Name}-{Hash(migrationId)}";
        await gate.WaitAsync(ct);
        V1Pod pod;
        try
        {
            var existing = await PodOfAsync(id, ct);
            if (existing is not null)
            {
                if (RuntimePodView.RoleOf(existing) != WorkloadRole.Target || RuntimePodView.Annotation(existing, FederationLabels.MigrationId) != migrationId)
                    throw FederationException.FailedPrecondition($"workload {id} already exists in cluster '{options.Cluster}'");
                pod = existing;
            }
            else
            {
                await CheckCapacityAsync(ct);
                pod = await CreateRuntimePodAsync(id, spec, name, new RuntimePodRole(false, migrationId, 0, home), ct);
            }
        }
        finally
        {
            gate.Release();
        }
        try
        {
            var engine = await WaitForEngineAsync(id, pod, ct);
            await PlaceImageAsync(engine, spec, ct);
            await MarkImagePlacedAsync(id.Namespace, pod.Metadata.Name, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDeployFailed(logger, id.ToString(), options.Cluster, e.Message);
            await RemoveAsync(id, CancellationToken.None);
            throw;
        }
        LogTargetCreated(logger, id.ToString(), options.Cluster, migrationId);
        return (await GetWorkloadAsync(id, ct))!;
    }

    public async Task PromoteTargetAsync(WorkloadId id, CancellationToken ct)
    {
        if (await PodOfAsync(id, ct) is not { } pod) throw FederationException.NotFound($"workload {id} is not in cluster '{options.Cluster}'");
        if (RuntimePodView.RoleOf(pod) == WorkloadRole.Target)
        {
            var patch = new V1Patch(System.Text.Json.JsonSerializer.Serialize(new
            {
                metadata = new
                {
                    labels = new Dictionary<string, string> { [FederationLabels.Role] = FederationLabels.ActiveRole },
                    annotations = new Dictionary<string, string?> { [FederationLabels.MigrationId] = null },
                },
            }), V1Patch.PatchType.MergePatch);
            pod = await api.CallAsync($"promote pod {id.Namespace}/{pod.Metadata.Name}", t => api.Client.CoreV1.PatchNamespacedPodAsync(patch, pod.Metadata.Name, id.Namespace, cancellationToken: t), ct);
        }
        // From now on the cluster heals it: a ReplicaSet adopts the restored pod.
        if (RuntimePodView.SpecOf(pod) is { } spec) await owners.EnsureHealerAsync(id, pod, spec, ct);
    }

    public async Task<WorkloadInfo> RecreateAsync(WorkloadId id, CancellationToken ct)
    {
        // Only called when HealsWorkloads is false; a ReplicaSet replaces the pod here. Deleting it makes that happen now.
        if (await PodOfAsync(id, ct) is not { } pod) throw FederationException.NotFound($"workload {id} is not in cluster '{options.Cluster}'");
        await api.DeleteAsync($"delete pod {id.Namespace}/{pod.Metadata.Name}", t => api.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, id.Namespace, cancellationToken: t), ct);
        await api.WaitForGoneAsync(id.Namespace, pod.Metadata.Name, DeleteTimeout, ct);
        var next = await PodOfAsync(id, ct) ?? throw FederationException.Unavailable($"no controller replaced the pod of {id} in cluster '{options.Cluster}'");
        return await InfoAsync(await api.WaitForReadyAsync(id.Namespace, next.Metadata.Name, options.PodReadyTimeout, ct), ct);
    }

    public async Task DeleteWorkloadAsync(WorkloadId id, CancellationToken ct)
    {
        if (await PodOfAsync(id, ct) is { } pod)
        {
            var info = await InfoAsync(pod, ct);
            // A stable address that still leads to this pod has nothing left to forward to; one switched elsewhere keeps forwarding.
            await traffic.CloseIfOnlyLeadingToAsync(id, LocalBackends(info).Values.ToHashSet(), ct);
        }
        await RemoveAsync(id, ct);
        LogDeleted(logger, id.ToString(), options.Cluster);
    }

    /// <summary>Removes the workload's pods (their controller first told not to replace them) and peer Services, and waits until they are gone.</summary>
    private async Task RemoveAsync(WorkloadId id, CancellationToken ct)
    {
        var pods = await api.CallAsync($"list pods of {id}", t => api.Client.CoreV1.ListNamespacedPodAsync(id.Namespace,
            labelSelector: $"{RuntimeSelector},{FederationLabels.Workload}={id.Name}", cancellationToken: t), ct);
        foreach (var pod in pods.Items)
        {
            await owners.ReleaseAsync(id, pod, ct);
            await api.DeleteAsync($"delete service {id.Namespace}/{PeerServiceName(pod)}",
                t => api.Client.CoreV1.DeleteNamespacedServiceAsync(PeerServiceName(pod), id.Namespace, cancellationToken: t), ct);
            await api.DeleteAsync($"delete pod {id.Namespace}/{pod.Metadata.Name}",
                t => api.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, id.Namespace, cancellationToken: t), ct);
        }
        if (pods.Items.Count == 0)
        {
            await api.DeleteAsync($"delete replicaset {id.Namespace}/{WorkloadOwners.HealerName(id)}", t => api.Client.AppsV1.DeleteNamespacedReplicaSetAsync(
                WorkloadOwners.HealerName(id), id.Namespace, propagationPolicy: "Orphan", cancellationToken: t), ct);
        }
        foreach (var pod in pods.Items) await api.WaitForGoneAsync(id.Namespace, pod.Metadata.Name, DeleteTimeout, ct);
    }

    public async IAsyncEnumerable<WorkloadEvent> WatchAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var watch = api.PodWatch(null, RuntimeSelector);
        await foreach (var (type, pod) in watch.RunAsync(initial: false, ct))
        {
            if (!pod.Metadata.Labels.ContainsKey(FederationLabels.Workload)) continue;
            var info = await InfoAsync(pod, ct);
            yield return new WorkloadEvent(type switch
            {
                WatchEventType.Added => WorkloadEventType.Added,
                WatchEventType.Deleted => WorkloadEventType.Deleted,
                _ => WorkloadEventType.Modified,
            }, type == WatchEventType.Deleted ? info with { Running = false } : info);
        }
    }

    private async Task<V1Pod> CreateRuntimePodAsync(WorkloadId id, AppSpec spec, string name, RuntimePodRole role, CancellationToken ct)
    {
        await api.EnsureNamespaceAsync(id.Namespace, ct);
        await secrets.EnsureAsync(id.Namespace, ct);
        var pod = builder.Build(AppContainerSpec.PodOf(name, id.Namespace, spec), spec, role);
        pod.Metadata.Labels[PodLabel] = name;
        var created = await api.CallAsync($"create pod {id.Namespace}/{name}", t => api.Client.CoreV1.CreateNamespacedPodAsync(pod, id.Namespace, cancellationToken: t), ct);
        try
        {
            if (options.PeerByNodePort) await CreatePeerServiceAsync(id, created, spec, ct);
        }
        catch
        {
            // Nothing half-created: the pod goes with the Service that failed.
            await api.DeleteAsync($"delete pod {id.Namespace}/{name}", t => api.Client.CoreV1.DeleteNamespacedPodAsync(name, id.Namespace, cancellationToken: t), CancellationToken.None);
            throw;
        }
        return created;
    }

    /// <summary>Where other clusters' runtimes reach this one: a NodePort Service of the pod (Engine and app ports) at its node's InternalIP.</summary>
    private Task CreatePeerServiceAsync(WorkloadId id, V1Pod pod, AppSpec spec, CancellationToken ct) =>
        api.CallAsync($"create service {id.Namespace}/{PeerServiceName(pod)}", t => api.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta
            {
                Name = PeerServiceName(pod),
                NamespaceProperty = id.Namespace,
                Labels = new Dictionary<string, string> { [FederationLabels.Workload] = id.Name, ["federation.io/peer-access"] = "true" },
            },
            Spec = new V1ServiceSpec
            {
                Type = "NodePort",
                Selector = new Dictionary<string, string> { [PodLabel] = pod.Metadata.Name },
                // The Engine takes checkpoints before the pod is Ready (a passive target's app waits for its restore).
                PublishNotReadyAddresses = true,
                Ports = new[] { RuntimePodOptions.EnginePort }.Concat(RuntimePodView.AppPorts(spec)).Distinct()
                    .Select(p => new V1ServicePort { Name = $"p{p.ToString(CultureInfo.InvariantCulture)}", Port = p, TargetPort = p, Protocol = "TCP" }).ToList(),
            },
        }, id.Namespace, cancellationToken: t), ct);

    private static string PeerServiceName(V1Pod pod) => $"{pod.Metadata.Name}-peer";

    /// <summary>Waits for the Engine, places the image, and waits until the app serves.</summary>
    private async Task<WorkloadInfo> StartAsync(WorkloadId id, V1Pod pod, AppSpec spec, CancellationToken ct)
    {
        var engine = await WaitForEngineAsync(id, pod, ct);
        await PlaceImageAsync(engine, spec, ct);
        await MarkImagePlacedAsync(id.Namespace, pod.Metadata.Name, ct);
        var started = await GetWorkloadAsync(id, ct) ?? throw FederationException.Unavailable($"the pod of {id} disappeared while it started");
        await engines.WaitForAppAsync(started, options.PodReadyTimeout, ct);
        return started;
    }

    private async Task<Uri> WaitForEngineAsync(WorkloadId id, V1Pod pod, CancellationToken ct)
    {
        var running = await api.WaitForPodAsync(id.Namespace, pod.Metadata.Name,
            p => PodStates.IsRunning(p) && !string.IsNullOrEmpty(p.Status?.PodIP)
                && p.Status.ContainerStatuses?.Any(c => c.Name == RuntimePodBuilder.EngineContainer && c.Ready) == true,
            options.PodReadyTimeout, ct);
        var engine = EngineOf(running);
        await engines.WaitForEngineAsync(engine, $"{id.Namespace}/{pod.Metadata.Name}", options.PodReadyTimeout, async t =>
        {
            var now = await api.FindAsync($"read pod {id.Namespace}/{pod.Metadata.Name}", tt => api.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, id.Namespace, cancellationToken: tt), t);
            return now is null ? "its pod was deleted" : now.Status?.Phase is "Failed" or "Succeeded" ? $"its pod ended: {PodStates.Describe(now)}" : null;
        }, ct);
        return engine;
    }

    /// <summary>
    /// The app's image into the runtime: pulled by its inner dockerd from the registry through the Engine (the registry's CA
    /// and credentials with the request), or streamed from the Docker engine beside the coordinator. Called at deploy and at
    /// target creation, before the first pre-copy round, never during the freeze.
    /// </summary>
    private async Task PlaceImageAsync(Uri engine, AppSpec spec, CancellationToken ct)
    {
        // A workload of several containers needs each of their images.
        foreach (var image in Common.AppSpecContainers.Images(spec)) await PlaceImageAsync(engine, image, ct);
    }

    private async Task PlaceImageAsync(Uri engine, string image, CancellationToken ct)
    {
        if (options.RegistryPulls is { } pulls)
        {
            try
            {
                var pulled = await engines.PullImageAsync(engine, pulls.RequestFor(image), null, ct);
                LogPulled(logger, image, options.Cluster, pulled.AlreadyPresent ? "already there" : "pulled");
            }
            catch (FederationException e)
            {
                throw new FederationException(e.Error, $"cluster '{options.Cluster}' could not pull image {Common.Names.Shorten(image)}: {e.Message}");
            }
            return;
        }
        if (images is null) return;
        await engines.PlaceImageAsync(engine, image, token => images.SaveAsync(image, token), ct);
    }

    /// <summary>The Engine at the pod's IP; a pod not started yet has no address (0.0.0.0: nothing answers there).</summary>
    /// <summary>
    /// Places the app image in a runtime pod the adapter did not start itself (admitted by the webhook, or made by a
    /// ReplicaSet), then marks it <see cref="FederationLabels.ImagePlaced"/>. Its Engine must be ready.
    /// </summary>
    public async Task PlaceImageOfAsync(V1Pod pod, CancellationToken ct)
    {
        if (RuntimePodView.SpecOf(pod) is not { } spec) throw FederationException.FailedPrecondition($"pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} carries no app spec");
        await PlaceImageAsync(EngineOf(pod), spec, ct);
        await MarkImagePlacedAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, ct);
    }

    private Task MarkImagePlacedAsync(string ns, string name, CancellationToken ct)
    {
        var patch = new V1Patch(System.Text.Json.JsonSerializer.Serialize(new
        {
            metadata = new { annotations = new Dictionary<string, string> { [FederationLabels.ImagePlaced] = "true" } },
        }), V1Patch.PatchType.MergePatch);
        return api.CallAsync($"mark pod {ns}/{name}", t => api.Client.CoreV1.PatchNamespacedPodAsync(patch, name, ns, cancellationToken: t), ct);
    }

    private static Uri EngineOf(V1Pod pod) =>
        new($"http://{(string.IsNullOrEmpty(pod.Status?.PodIP) ? "0.0.0.0" : pod.Status.PodIP)}:{RuntimePodOptions.EnginePort}");

    private async Task<WorkloadInfo> InfoAsync(V1Pod pod, CancellationToken ct)
    {
        var id = RuntimePodView.IdOf(pod);
        var spec = RuntimePodView.SpecOf(pod);
        var ports = spec is null ? [] : RuntimePodView.AppPorts(spec).ToList();
        var podIp = pod.Status?.PodIP ?? "";
        var engine = EngineOf(pod);
        var peerEngine = engine;
        var appEndpoints = ports.ToDictionary(p => p, p => $"{podIp}:{p}");
        if (options.PeerByNodePort && await PeerAddressesAsync(id, pod, ct) is { } peer)
        {
            if (peer.TryGetValue(RuntimePodOptions.EnginePort, out var enginePeer)) peerEngine = new Uri($"http://{enginePeer}");
            foreach (var port in ports.Where(peer.ContainsKey)) appEndpoints[port] = peer[port];
        }
        var stable = await traffic.GetStableAddressAsync(id, ct);
        return new WorkloadInfo(
            id,
            RuntimePodView.RoleOf(pod),
            spec is null ? "" : Common.AppSpecContainers.MainImage(spec),
            PodStates.IsRunning(pod) && pod.Status?.ContainerStatuses?.Any(c => c.Name == RuntimePodBuilder.RuntimeContainer && c.State?.Running is not null) != false,
            engine,
            peerEngine,
            appEndpoints,
            stable ?? RuntimePodView.Annotation(pod, FederationLabels.HomeAddress),
            RuntimePodView.Annotation(pod, FederationLabels.MigrationId),
            stable is null ? RuntimePodView.Annotation(pod, FederationLabels.HomeCluster) : null,
            pod.Spec?.NodeName ?? "",
            RuntimePodView.LabelsOf(pod, spec));
    }

    /// <summary>The app endpoints as this cluster's relay reaches them: the pod's own address.</summary>
    private static Dictionary<int, string> LocalBackends(WorkloadInfo info) =>
        info.AppEndpoints.ToDictionary(p => p.Key, p => $"{info.EngineEndpoint.Host}:{p.Key}");

    /// <summary>Port -> "InternalIP:nodePort" of the pod's peer Service, or null when it has none.</summary>
    private async Task<Dictionary<int, string>?> PeerAddressesAsync(WorkloadId id, V1Pod pod, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName)) return null;
        var service = await api.FindAsync($"read service {id.Namespace}/{PeerServiceName(pod)}",
            t => api.Client.CoreV1.ReadNamespacedServiceAsync(PeerServiceName(pod), id.Namespace, cancellationToken: t), ct);
        if (service?.Spec?.Ports is null) return null;
        var node = await api.FindAsync($"read node {pod.Spec.NodeName}", t => api.Client.CoreV1.ReadNodeAsync(pod.Spec.NodeName, cancellationToken: t), ct);
        var address = node?.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address;
        if (address is null) return null;
        return service.Spec.Ports.Where(p => p.NodePort is > 0).ToDictionary(p => p.Port, p => $"{address}:{p.NodePort}");
    }

    private async Task<V1Pod?> PodOfAsync(WorkloadId id, CancellationToken ct)
    {
        var pods = await api.CallAsync($"list pods of {id}", t => api.Client.CoreV1.ListNamespacedPodAsync(id.Namespace,
            labelSelector: $"{RuntimeSelector},{FederationLabels.Workload}={id.Name}", cancellationToken: t), ct);
        return RuntimePodView.Pick(pods.Items);
    }

    private async Task<IList<V1Pod>> RuntimePodsAsync(string? ns, CancellationToken ct) =>
        (await api.CallAsync("list runtime pods", t => ns is null
            ? api.Client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: RuntimeSelector, cancellationToken: t)
            : api.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: RuntimeSelector, cancellationToken: t), ct)).Items
        .Where(p => p.Metadata.Labels?.ContainsKey(FederationLabels.Workload) == true).ToList();

    private async Task CheckCapacityAsync(CancellationToken ct)
    {
        var count = (await RuntimePodsAsync(null, ct)).Select(RuntimePodView.IdOf).Distinct().Count();
        if (count >= options.MaxWorkloads)
            throw new FederationException(FederationError.ResourceExhausted, $"cluster '{options.Cluster}' has no free workload slot ({options.MaxWorkloads} in use)");
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} deployed in cluster {Cluster} as pod {Pod}")]
    private static partial void LogDeployed(ILogger logger, string workload, string cluster, string pod);

    [LoggerMessage(Level = LogLevel.Warning, Message = "workload {Workload} in cluster {Cluster} did not start, removed what was created: {Reason}")]
    private static partial void LogDeployFailed(ILogger logger, string workload, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "passive target of {Workload} created in cluster {Cluster} for migration {Migration}")]
    private static partial void LogTargetCreated(ILogger logger, string workload, string cluster, string migration);

    [LoggerMessage(Level = LogLevel.Information, Message = "image {Image} in a runtime pod of cluster {Cluster}: {Outcome}")]
    private static partial void LogPulled(ILogger logger, string image, string cluster, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} removed from cluster {Cluster}")]
    private static partial void LogDeleted(ILogger logger, string workload, string cluster);
}
