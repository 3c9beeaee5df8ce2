using System.Globalization;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.V1;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Pods;

/// <summary>A runtime pod read back: its workload, role, app spec and addresses.</summary>
public static class RuntimePodView
{
    public static WorkloadId IdOf(V1Pod pod) => new(pod.Metadata.NamespaceProperty ?? WorkloadId.DefaultNamespace, pod.Metadata.Labels[FederationLabels.Workload]);

    public static WorkloadRole RoleOf(V1Pod pod) =>
        pod.Metadata.Labels?.TryGetValue(FederationLabels.Role, out var role) == true && role == FederationLabels.TargetRole ? WorkloadRole.Target : WorkloadRole.Active;

    public static AppSpec? SpecOf(V1Pod pod) =>
        pod.Metadata.Annotations?.TryGetValue(FederationLabels.AppSpec, out var json) == true ? AppSpec.Parser.ParseJson(json) : null;

    /// <summary>
    /// The workload's labels: the app spec's, then the pod's labels, then its annotations over them (a user's Deployment puts
    /// <c>federation.io/priority</c> on its pod template either way); the app-spec annotation itself is left out.
    /// </summary>
    public static IReadOnlyDictionary<string, string> LabelsOf(V1Pod pod, AppSpec? spec)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in spec?.Labels ?? (IEnumerable<KeyValuePair<string, string>>)[]) labels[key] = value;
        foreach (var (key, value) in pod.Metadata.Labels ?? new Dictionary<string, string>()) labels[key] = value;
        foreach (var (key, value) in pod.Metadata.Annotations ?? new Dictionary<string, string>())
            if (key != FederationLabels.AppSpec) labels[key] = value;
        return labels;
    }

    public static string? Annotation(V1Pod pod, string key) => pod.Metadata.Annotations?.TryGetValue(key, out var value) == true ? value : null;

    public static long GenerationOf(V1Pod pod) =>
        long.TryParse(Annotation(pod, FederationLabels.Generation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var generation) ? generation : 0;

    /// <summary>The app's ports in the pod's network namespace (runtime port, else container port).</summary>
    public static IEnumerable<int> AppPorts(AppSpec spec) => spec.Ports.Select(p => (int)(p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort));

    /// <summary>
    /// The pod to speak of when a workload has several (a replacement starting while the old one terminates): not
    /// terminating first, then running, then the newest.
    /// </summary>
    public static V1Pod? Pick(IEnumerable<V1Pod> pods) => pods
        .OrderBy(p => p.Metadata.DeletionTimestamp is null ? 0 : 1)
        .ThenBy(p => PodStates.IsRunning(p) ? 0 : 1)
        .ThenByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
        .FirstOrDefault();
}
