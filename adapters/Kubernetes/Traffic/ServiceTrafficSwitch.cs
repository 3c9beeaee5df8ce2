using System.Globalization;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.Adapters.Relay.Control;
using Federation.Common;
using Federation.V1;
using Grpc.Core;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Kubernetes.Traffic;

/// <summary>
/// The traffic switch of a Kubernetes cluster. A workload's stable address is its Service (same name, same
/// ClusterIP for its whole life, wherever the workload runs). The Service has no selector: its Endpoints lead to
/// the cluster's relay pod (<see cref="RelayPod"/>), one relay listener per app port, and the relay forwards to the
/// workload's pod here or, after a move, to its address in the other cluster. So a switch never waits for endpoint
/// discovery or kube-proxy (the Endpoints do not change); new connections wait in the relay during a hold; and the
/// data path does not depend on this coordinator's process.
/// </summary>
public sealed partial class ServiceTrafficSwitch : ITrafficSwitch, IDisposable
{
    private static readonly TimeSpan HoldDrainLimit = TimeSpan.FromSeconds(2);
    public const string StableLabel = "federation.io/stable-address";
    private readonly KubeApi api;
    private readonly RelayPod relay;
    private readonly AdoptedService adopted;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private RelayControl? control;

    public ServiceTrafficSwitch(KubeApi api, RelayPod relay, ILoggerFactory loggers)
    {
        this.api = api;
        this.relay = relay;
        adopted = new AdoptedService(api);
        logger = loggers.CreateLogger<ServiceTrafficSwitch>();
    }

    /// <summary>Opens the workload's stable address: a relay route (app port -> backend) and the Service leading to it. Safe to repeat.</summary>
    public async Task<string?> PublishAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var relayAddress = await relay.EnsureRunningAsync(ct);
            var request = new OpenRelayRouteRequest { Name = id.ToString() };
            request.Ports.AddRange(backends.Select(b => new RelayPort { Port = (uint)b.Key, Backend = b.Value }));
            var route = await CallAsync((c, o) => c.OpenRouteAsync(request, o), ct);
            var service = await EnsureServiceAsync(id, route, relayAddress, ct);
            LogPublished(logger, id.ToString(), api.Cluster, StableAddressOf(service) ?? "");
            return StableAddressOf(service);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The workload's Service: the one it was published or adopted as, else a user's Service that selects its pod (adopted at the first hold).</summary>
    public async Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct) =>
        StableAddressOf(await FindServiceAsync(id, ct) ?? (await adopted.FindAsync(id, ct))?.Service);

    public async Task HoldAsync(WorkloadId id, CancellationToken ct)
    {
        if (await FindServiceAsync(id, ct) is null && !await AdoptAsync(id, ct)) return;
        await CallAsync((c, o) => c.HoldRouteAsync(new HoldRelayRouteRequest { Name = id.ToString(), DrainLimit = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(HoldDrainLimit) }, o), ct);
    }

    public async Task SwitchAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        if (await FindServiceAsync(id, ct) is not { } service) throw FederationException.NotFound($"cluster '{api.Cluster}' holds no stable address for {id}");
        var request = new SwitchRelayRouteRequest { Name = id.ToString() };
        foreach (var (port, backend) in backends) request.Backends[(uint)port] = backend;
        var route = await CallAsync((c, o) => c.SwitchRouteAsync(request, o), ct);
        // The relay pod may have been replaced (a new address): the Endpoints follow it.
        await WriteEndpointsAsync(service, route, await relay.EnsureRunningAsync(ct), ct);
        LogSwitched(logger, id.ToString(), api.Cluster, $"{string.Join(", ", backends.Values)} (service {service.Metadata.Name})");
    }

    public async Task ReleaseAsync(WorkloadId id, CancellationToken ct)
    {
        if (await FindServiceAsync(id, ct) is null) return;
        await CallAsync((c, o) => c.ReleaseRouteAsync(new RelayRouteRequest { Name = id.ToString() }, o), ct);
    }

    public async Task<bool> CloseIfOnlyLeadingToAsync(WorkloadId id, IReadOnlySet<string> backends, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (await FindServiceAsync(id, ct) is not { } service) return false;
            var routes = await CallAsync((c, o) => c.ListRoutesAsync(new ListRelayRoutesRequest(), o), ct);
            var route = routes.Routes.FirstOrDefault(r => r.Name == id.ToString());
            if (route is not null && !route.Ports.All(p => backends.Contains(p.Backend))) return false;
            var left = route is null ? routes.Routes.Count : (int)(await CallAsync((c, o) => c.CloseRouteAsync(new RelayRouteRequest { Name = route.Name }, o), ct)).RoutesLeft;
            if (AdoptedService.IsAdopted(service))
            {
                // The user's Service stays theirs: its selector back, the cluster's endpoints controller writes its Endpoints again.
                await adopted.GiveBackAsync(service, ct);
            }
            else
            {
                await api.DeleteAsync($"delete service {id}", t => api.Client.CoreV1.DeleteNamespacedServiceAsync(id.Name, id.Namespace, cancellationToken: t), ct);
                await api.DeleteAsync($"delete endpoints {id}", t => api.Client.CoreV1.DeleteNamespacedEndpointsAsync(id.Name, id.Namespace, cancellationToken: t), ct);
            }
            if (left == 0) await relay.RemoveAsync(ct);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The Service that is the workload's stable address (published by this coordinator, or a user's it adopted).</summary>
    private async Task<V1Service?> FindServiceAsync(WorkloadId id, CancellationToken ct)
    {
        var services = await api.CallAsync($"list services of {id}", t => api.Client.CoreV1.ListNamespacedServiceAsync(id.Namespace,
            labelSelector: $"{StableLabel}=true,{FederationLabels.Workload}={id.Name}", cancellationToken: t), ct);
        return services.Items.OrderBy(s => s.Metadata.Name == id.Name ? 0 : 1).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>
    /// Makes a user's Service that selects the workload's pod its stable address (<see cref="AdoptedService"/>): a relay route to
    /// the pod, the selector taken off, the Endpoints leading to the relay. False when no Service selects the pod.
    /// </summary>
    private async Task<bool> AdoptAsync(WorkloadId id, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (await adopted.FindAsync(id, ct) is not var (service, pod)) return false;
            var ports = AdoptedService.AppPortsOf(service, pod);
            var relayAddress = await relay.EnsureRunningAsync(ct);
            var request = new OpenRelayRouteRequest { Name = id.ToString() };
            request.Ports.AddRange(ports.Values.Distinct().Select(p => new RelayPort { Port = (uint)p, Backend = $"{pod.Status.PodIP}:{p.ToString(CultureInfo.InvariantCulture)}" }));
            var route = await CallAsync((c, o) => c.OpenRouteAsync(request, o), ct);
            await adopted.TakeOverAsync(id, service, ports, ct);
            service.Metadata.Annotations ??= new Dictionary<string, string>();
            service.Metadata.Annotations[AdoptedService.PortsAnnotation] = System.Text.Json.JsonSerializer.Serialize(ports);
            await WriteEndpointsAsync(service, route, relayAddress, ct);
            LogAdopted(logger, id.ToString(), api.Cluster, service.Metadata.Name, StableAddressOf(service) ?? "");
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private static string? StableAddressOf(V1Service? service) =>
        service?.Spec?.ClusterIP is { Length: > 0 } ip && ip != "None" && service.Spec.Ports is { Count: > 0 } ports
            ? $"{ip}:{ports.OrderBy(p => p.Port).First().Port.ToString(CultureInfo.InvariantCulture)}"
            : null;

    private async Task<V1Service> EnsureServiceAsync(WorkloadId id, RelayRoute route, string relayAddress, CancellationToken ct)
    {
        var service = await api.FindAsync($"read service {id}", t => api.Client.CoreV1.ReadNamespacedServiceAsync(id.Name, id.Namespace, cancellationToken: t), ct);
        if (service is not null && service.Metadata?.Labels?.ContainsKey(StableLabel) != true)
            throw FederationException.FailedPrecondition($"service {id} in cluster '{api.Cluster}' exists and is not a Federation stable address; remove or rename it");
        if (service is null)
        {
            service = await api.CallAsync($"create service {id}", t => api.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = new V1ObjectMeta
                {
                    Name = id.Name,
                    NamespaceProperty = id.Namespace,
                    Labels = new Dictionary<string, string> { [StableLabel] = "true", [FederationLabels.Workload] = id.Name },
                },
                // No selector: the Endpoints are written here and lead to the relay.
                Spec = new V1ServiceSpec
                {
                    Type = "ClusterIP",
                    Ports = route.Ports.OrderBy(p => p.Port).Select(p => new V1ServicePort { Name = PortName(p.Port), Port = (int)p.Port, Protocol = "TCP" }).ToList(),
                },
            }, id.Namespace, cancellationToken: t), ct);
        }
        await WriteEndpointsAsync(service, route, relayAddress, ct);
        return service;
    }

    /// <summary>The Service's Endpoints: every port of it to the relay listener of its app port.</summary>
    private async Task WriteEndpointsAsync(V1Service service, RelayRoute route, string relayAddress, CancellationToken ct)
    {
        var name = service.Metadata.Name;
        var ns = service.Metadata.NamespaceProperty;
        var listeners = route.Ports.ToDictionary(p => (int)p.Port, p => (int)p.ListenPort);
        var endpoints = new V1Endpoints
        {
            ApiVersion = "v1",
            Kind = "Endpoints",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { [StableLabel] = "true" } },
            Subsets =
            [
                new V1EndpointSubset
                {
                    Addresses = [new V1EndpointAddress { Ip = relayAddress }],
                    Ports = AdoptedService.PortsOf(service).Where(p => listeners.ContainsKey(p.Value)).OrderBy(p => p.Key, StringComparer.Ordinal)
                        .Select(p => new Corev1EndpointPort { Name = p.Key.Length == 0 ? null : p.Key, Port = listeners[p.Value], Protocol = "TCP" }).ToList(),
                },
            ],
        };
        var existing = await api.FindAsync($"read endpoints {ns}/{name}", t => api.Client.CoreV1.ReadNamespacedEndpointsAsync(name, ns, cancellationToken: t), ct);
        if (existing is null)
        {
            await api.CallAsync($"create endpoints {ns}/{name}", t => api.Client.CoreV1.CreateNamespacedEndpointsAsync(endpoints, ns, cancellationToken: t), ct);
            return;
        }
        endpoints.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        await api.CallAsync($"replace endpoints {ns}/{name}", t => api.Client.CoreV1.ReplaceNamespacedEndpointsAsync(endpoints, name, ns, cancellationToken: t), ct);
    }

    private static string PortName(uint port) => $"p{port.ToString(CultureInfo.InvariantCulture)}";

    private Task<T> CallAsync<T>(Func<V1.Relay.RelayClient, CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        control ??= new RelayControl(relay.SocketPath, async t => await relay.EnsureRunningAsync(t), api.Cluster);
        return control.CallAsync(call, ct);
    }

    public void Dispose() => control?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "stable address of {Workload} in cluster {Cluster}: service at {Address}, through the relay")]
    private static partial void LogPublished(ILogger logger, string workload, string cluster, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "stable address of {Workload} in cluster {Cluster}: the user's service {Service} at {Address} adopted, now through the relay")]
    private static partial void LogAdopted(ILogger logger, string workload, string cluster, string service, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "stable address of {Workload} in cluster {Cluster} now leads to {Backends}")]
    private static partial void LogSwitched(ILogger logger, string workload, string cluster, string backends);
}
