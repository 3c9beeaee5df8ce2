using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// The Endpoints controller: for every Service with a selector, an Endpoints object of the same name listing the matching
/// pods' IPs (ready ones as addresses, the others as notReadyAddresses) and the target ports resolved per pod (a named
/// targetPort is looked up among the pod's container ports), kept current. Services without a selector are left alone:
/// their Endpoints are whoever wrote them. The Endpoints of a Service that is gone are removed.
/// </summary>
public sealed partial class EndpointsController(IKubernetes client, ILogger logger)
{
    private readonly HashSet<string> managed = new();

    public async Task<bool> ReconcileAsync(ClusterState state, CancellationToken ct)
    {
        var settled = true;
        var existing = state.Endpoints.ToDictionary(e => Key(e.Metadata));
        var current = new HashSet<string>();
        foreach (var service in state.Services.Where(s => s.Spec.Selector is { Count: > 0 }))
        {
            var key = Key(service.Metadata);
            current.Add(key);
            managed.Add(key);
            settled &= await ReconcileLoop.OneAsync(() => ReconcileOneAsync(service, state, existing.GetValueOrDefault(key), ct));
        }
        // Endpoints of a selector Service that has been deleted since.
        var services = state.Services.Select(s => Key(s.Metadata)).ToHashSet();
        foreach (var key in managed.Where(k => !current.Contains(k)).ToList())
        {
            managed.Remove(key);
            if (services.Contains(key) || !existing.TryGetValue(key, out var stale)) continue;
            try { await client.CoreV1.DeleteNamespacedEndpointsAsync(stale.Metadata.Name, stale.Metadata.NamespaceProperty, cancellationToken: ct); }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
        }
        return settled;
    }

    private async Task<bool> ReconcileOneAsync(V1Service service, ClusterState state, V1Endpoints? existing, CancellationToken ct)
    {
        var subsets = new Dictionary<string, V1EndpointSubset>();
        var pods = state.PodsIn(service.Metadata.NamespaceProperty)
            .Where(p => LabelSelectors.Matches(service.Spec.Selector, p.Metadata.Labels) && !string.IsNullOrEmpty(p.Status?.PodIP)
                && p.Metadata.DeletionTimestamp is null && p.Status.Phase is not ("Succeeded" or "Failed"))
            .OrderBy(p => p.Status.PodIP, StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var ports = (service.Spec.Ports ?? []).Select(p => PortFor(p, pod)).Where(p => p is not null).Select(p => p!).ToList();
            var portKey = string.Join(",", ports.Select(p => $"{p.Name}:{p.Port}/{p.Protocol}"));
            if (!subsets.TryGetValue(portKey, out var subset))
                subsets[portKey] = subset = new V1EndpointSubset { Ports = ports, Addresses = [], NotReadyAddresses = [] };
            var address = new V1EndpointAddress
            {
                Ip = pod.Status.PodIP,
                NodeName = pod.Spec.NodeName,
                Hostname = pod.Spec.Hostname,
                TargetRef = new V1ObjectReference { Kind = "Pod", Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty, Uid = pod.Metadata.Uid },
            };
            if (ReplicaSetController.IsReady(pod) || service.Spec.PublishNotReadyAddresses == true) subset.Addresses.Add(address);
            else subset.NotReadyAddresses.Add(address);
        }
        var desired = subsets.Values.Select(s => new V1EndpointSubset
        {
            Ports = s.Ports,
            Addresses = s.Addresses.Count > 0 ? s.Addresses : null,
            NotReadyAddresses = s.NotReadyAddresses.Count > 0 ? s.NotReadyAddresses : null,
        }).ToList();
        if (existing is not null && KubernetesJson.Serialize(existing.Subsets ?? []) == KubernetesJson.Serialize(desired)) return true;
        if (existing is null)
        {
            await client.CoreV1.CreateNamespacedEndpointsAsync(new V1Endpoints
            {
                ApiVersion = "v1",
                Kind = "Endpoints",
                Metadata = new V1ObjectMeta { Name = service.Metadata.Name, NamespaceProperty = service.Metadata.NamespaceProperty, Labels = service.Metadata.Labels },
                Subsets = desired,
            }, service.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        else
        {
            existing.Subsets = desired;
            await client.CoreV1.ReplaceNamespacedEndpointsAsync(existing, existing.Metadata.Name, existing.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        LogUpdated(logger, service.Metadata.NamespaceProperty, service.Metadata.Name, desired.Sum(s => s.Addresses?.Count ?? 0), desired.Sum(s => s.NotReadyAddresses?.Count ?? 0));
        return true;
    }

    /// <summary>The endpoint port of a Service port on one pod; null when a named targetPort names no port of the pod.</summary>
    private static Corev1EndpointPort? PortFor(V1ServicePort port, V1Pod pod)
    {
        int number;
        var target = port.TargetPort?.Value;
        if (string.IsNullOrEmpty(target)) number = port.Port;
        else if (int.TryParse(target, out var n)) number = n;
        else
        {
            var named = pod.Spec.Containers.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == target);
            if (named is null) return null;
            number = named.ContainerPort;
        }
        return new Corev1EndpointPort { Name = port.Name, Port = number, Protocol = port.Protocol ?? "TCP", AppProtocol = port.AppProtocol };
    }

    private static string Key(V1ObjectMeta meta) => $"{meta.NamespaceProperty}/{meta.Name}";

    [LoggerMessage(Level = LogLevel.Information, Message = "endpoints {Namespace}/{Name}: {Ready} ready, {NotReady} not ready")]
    private static partial void LogUpdated(ILogger logger, string @namespace, string name, int ready, int notReady);
}
