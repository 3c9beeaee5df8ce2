using System.Globalization;
using System.Text.Json;
using Federation.Adapters.Kubernetes.Cluster;
using k8s;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Traffic;

/// <summary>
/// A user's own Service in front of a migratable pod (a Deployment's pods behind a Service with a selector). Before its first
/// move it becomes the workload's stable address, keeping its name, ClusterIP and ports: the selector is taken off (kept in
/// the annotation <c>federation.io/adopted-selector</c>) and its Endpoints are written to lead to the relay, as for a Service
/// the coordinator made. Closing it gives the selector back, so the cluster's endpoints controller owns it again.
/// </summary>
public sealed class AdoptedService(KubeApi api)
{
    public const string SelectorAnnotation = "federation.io/adopted-selector";

    /// <summary>Annotation: Service port name -> app port, resolved when the Service was adopted (a named targetPort needs the pod).</summary>
    public const string PortsAnnotation = "federation.io/adopted-ports";

    /// <summary>The first user's Service (by name) of the workload's namespace whose selector picks the workload's running pod, with that pod; null when none does.</summary>
    public async Task<(V1Service Service, V1Pod Pod)?> FindAsync(WorkloadId id, CancellationToken ct)
    {
        var pods = await api.CallAsync($"list pods of {id}", t => api.Client.CoreV1.ListNamespacedPodAsync(id.Namespace,
            labelSelector: $"{FederationLabels.Runtime}=true,{FederationLabels.Workload}={id.Name}", cancellationToken: t), ct);
        var pod = pods.Items.FirstOrDefault(p => p.Metadata.DeletionTimestamp is null && !string.IsNullOrEmpty(p.Status?.PodIP));
        if (pod is null) return null;
        var labels = pod.Metadata.Labels;
        var services = await api.CallAsync($"list services in {id.Namespace}", t => api.Client.CoreV1.ListNamespacedServiceAsync(id.Namespace, cancellationToken: t), ct);
        var service = services.Items
            .Where(s => s.Spec?.Selector is { Count: > 0 } selector && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            // Not the coordinator's own Services (a stable address, a runtime's peer Service): only a user's.
            .Where(s => s.Metadata.Labels?.ContainsKey(FederationLabels.Workload) != true)
            .OrderBy(s => s.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return service is null ? null : (service, pod);
    }

    /// <summary>
    /// The app ports the Service leads to (its targetPorts, a named one looked up in the pod's container ports; none: the
    /// port), by Service port name.
    /// </summary>
    public static IReadOnlyDictionary<string, int> AppPortsOf(V1Service service, V1Pod? pod)
    {
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var port in (service.Spec.Ports ?? []).Where(p => (p.Protocol ?? "TCP") == "TCP"))
        {
            var target = port.TargetPort?.Value;
            ports[port.Name ?? ""] = int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
                : pod?.Spec?.Containers?.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == target) is { } named ? named.ContainerPort
                : port.Port;
        }
        return ports;
    }

    /// <summary>Takes the selector off (kept in an annotation) and labels the Service as the workload's stable address.</summary>
    public Task TakeOverAsync(WorkloadId id, V1Service service, IReadOnlyDictionary<string, int> appPorts, CancellationToken ct)
    {
        var patch = new V1Patch(JsonSerializer.Serialize(new
        {
            metadata = new
            {
                labels = new Dictionary<string, string> { [ServiceTrafficSwitch.StableLabel] = "true", [FederationLabels.Workload] = id.Name },
                annotations = new Dictionary<string, string>
                {
                    [SelectorAnnotation] = JsonSerializer.Serialize(service.Spec.Selector),
                    [PortsAnnotation] = JsonSerializer.Serialize(appPorts),
                },
            },
            spec = new { selector = (object?)null },
        }), V1Patch.PatchType.MergePatch);
        return api.CallAsync($"adopt service {id.Namespace}/{service.Metadata.Name}",
            t => api.Client.CoreV1.PatchNamespacedServiceAsync(patch, service.Metadata.Name, id.Namespace, cancellationToken: t), ct);
    }

    /// <summary>Gives an adopted Service its selector back and takes the stable-address label off.</summary>
    public Task GiveBackAsync(V1Service service, CancellationToken ct)
    {
        var selector = JsonSerializer.Deserialize<Dictionary<string, string>>(service.Metadata.Annotations[SelectorAnnotation]);
        var patch = new V1Patch(JsonSerializer.Serialize(new
        {
            metadata = new
            {
                labels = new Dictionary<string, string?> { [ServiceTrafficSwitch.StableLabel] = null, [FederationLabels.Workload] = null },
                annotations = new Dictionary<string, string?> { [SelectorAnnotation] = null, [PortsAnnotation] = null },
            },
            spec = new { selector },
        }), V1Patch.PatchType.MergePatch);
        var ns = service.Metadata.NamespaceProperty;
        return api.CallAsync($"give back service {ns}/{service.Metadata.Name}",
            t => api.Client.CoreV1.PatchNamespacedServiceAsync(patch, service.Metadata.Name, ns, cancellationToken: t), ct);
    }

    public static bool IsAdopted(V1Service service) => service.Metadata.Annotations?.ContainsKey(SelectorAnnotation) == true;

    /// <summary>Service port name -> app port: as resolved at adoption, else (a Service the coordinator made) the ports themselves.</summary>
    public static IReadOnlyDictionary<string, int> PortsOf(V1Service service) =>
        service.Metadata.Annotations?.TryGetValue(PortsAnnotation, out var json) == true
            ? JsonSerializer.Deserialize<Dictionary<string, int>>(json) ?? []
            : AppPortsOf(service, null);
}
