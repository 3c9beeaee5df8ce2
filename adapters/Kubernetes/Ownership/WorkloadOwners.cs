using System.Globalization;
using System.Text.Json;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.Adapters.Kubernetes.Pods;
using Federation.V1;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Kubernetes.Ownership;

/// <summary>
/// Who owns a workload's pod, so that both clusters' <c>kubectl get</c> tell the truth:
/// <list type="bullet">
/// <item>A pod without a controller (deployed by the coordinator, or restored here by a migration) gets a healer: a
/// ReplicaSet <c>{workload}-federation</c> of one replica whose selector matches the pod, so it adopts the pod (no new
/// pod) and replaces it from the image if it dies.</item>
/// <item>A pod that moves away from a Deployment (through its ReplicaSet) or a StatefulSet: the owner is scaled down by
/// one (its earlier replicas kept in <c>federation.io/moved-replicas</c>) with the pod marked cheapest to delete
/// (<c>controller.kubernetes.io/pod-deletion-cost</c>), so the controller removes this pod and does not recreate it.
/// This happens only at the source's deletion, after the switch; a rollback never gets there, so nothing needs
/// restoring.</item>
/// </list>
/// </summary>
public sealed partial class WorkloadOwners(KubeApi api, RuntimePodBuilder builder, ILogger<WorkloadOwners> logger)
{
    public const string HealerLabel = "federation.io/healer";
    private const string DeletionCost = "controller.kubernetes.io/pod-deletion-cost";

    public static string HealerName(WorkloadId id) => $"{id.Name}-federation";

    /// <summary>Makes a ReplicaSet adopt the pod and heal it from now on. Safe to repeat; nothing for a pod that has a controller.</summary>
    public async Task EnsureHealerAsync(WorkloadId id, V1Pod pod, AppSpec spec, CancellationToken ct)
    {
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (owner is not null && owner.Name != HealerName(id)) return;
        if (pod.Metadata.Labels?.ContainsKey(HealerLabel) != true)
        {
            await PatchAsync($"label pod {id.Namespace}/{pod.Metadata.Name}", new { metadata = new { labels = new Dictionary<string, string> { [HealerLabel] = id.Name } } },
                (patch, t) => api.Client.CoreV1.PatchNamespacedPodAsync(patch, pod.Metadata.Name, id.Namespace, cancellationToken: t), ct);
        }
        if (await api.FindAsync($"read replicaset {id.Namespace}/{HealerName(id)}",
                t => api.Client.AppsV1.ReadNamespacedReplicaSetAsync(HealerName(id), id.Namespace, cancellationToken: t), ct) is not null) return;
        var selector = new Dictionary<string, string> { [FederationLabels.Runtime] = "true", [FederationLabels.Workload] = id.Name, [HealerLabel] = id.Name };
        var template = builder.Build(AppContainerSpec.PodOf("", id.Namespace, spec), spec, RuntimePodRole.Serving);
        template.Metadata.Name = null;
        template.Metadata.NamespaceProperty = null;
        foreach (var (key, value) in selector) template.Metadata.Labels[key] = value;
        try
        {
            await api.CallAsync($"create replicaset {id.Namespace}/{HealerName(id)}", t => api.Client.AppsV1.CreateNamespacedReplicaSetAsync(new V1ReplicaSet
            {
                ApiVersion = "apps/v1",
                Kind = "ReplicaSet",
                Metadata = new V1ObjectMeta { Name = HealerName(id), NamespaceProperty = id.Namespace, Labels = new Dictionary<string, string> { [FederationLabels.Workload] = id.Name } },
                Spec = new V1ReplicaSetSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = selector },
                    Template = new V1PodTemplateSpec { Metadata = template.Metadata, Spec = template.Spec },
                },
            }, id.Namespace, cancellationToken: t), ct);
            LogHealer(logger, id.ToString(), api.Cluster);
        }
        catch (FederationException e) when (e.Error == FederationError.AlreadyExists)
        {
        }
    }

    /// <summary>
    /// Before the pod is deleted: its controller must not replace it. The coordinator's healer goes (its pods are
    /// orphaned, the caller deletes them); a user's Deployment/ReplicaSet or StatefulSet is scaled down by one.
    /// </summary>
    public async Task ReleaseAsync(WorkloadId id, V1Pod pod, CancellationToken ct)
    {
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (owner is null || owner.Name == HealerName(id))
        {
            await api.DeleteAsync($"delete replicaset {id.Namespace}/{HealerName(id)}", t => api.Client.AppsV1.DeleteNamespacedReplicaSetAsync(HealerName(id), id.Namespace,
                propagationPolicy: "Orphan", cancellationToken: t), ct);
            return;
        }
        await PatchAsync($"mark pod {id.Namespace}/{pod.Metadata.Name}", new { metadata = new { annotations = new Dictionary<string, string> { [DeletionCost] = int.MinValue.ToString(CultureInfo.InvariantCulture) } } },
            (patch, t) => api.Client.CoreV1.PatchNamespacedPodAsync(patch, pod.Metadata.Name, id.Namespace, cancellationToken: t), ct);
        switch (owner.Kind)
        {
            case "ReplicaSet":
                var replicaSet = await api.CallAsync($"read replicaset {id.Namespace}/{owner.Name}", t => api.Client.AppsV1.ReadNamespacedReplicaSetAsync(owner.Name, id.Namespace, cancellationToken: t), ct);
                if (replicaSet.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == "Deployment") is { } deployment)
                {
                    var current = await api.CallAsync($"read deployment {id.Namespace}/{deployment.Name}", t => api.Client.AppsV1.ReadNamespacedDeploymentAsync(deployment.Name, id.Namespace, cancellationToken: t), ct);
                    await ScaleDownAsync($"deployment {id.Namespace}/{deployment.Name}", current.Spec.Replicas ?? 1,
                        (patch, t) => api.Client.AppsV1.PatchNamespacedDeploymentAsync(patch, deployment.Name, id.Namespace, cancellationToken: t), ct);
                }
                await ScaleDownAsync($"replicaset {id.Namespace}/{owner.Name}", replicaSet.Spec.Replicas ?? 1,
                    (patch, t) => api.Client.AppsV1.PatchNamespacedReplicaSetAsync(patch, owner.Name, id.Namespace, cancellationToken: t), ct);
                break;
            case "StatefulSet":
                var set = await api.CallAsync($"read statefulset {id.Namespace}/{owner.Name}", t => api.Client.AppsV1.ReadNamespacedStatefulSetAsync(owner.Name, id.Namespace, cancellationToken: t), ct);
                await ScaleDownAsync($"statefulset {id.Namespace}/{owner.Name}", set.Spec.Replicas ?? 1,
                    (patch, t) => api.Client.AppsV1.PatchNamespacedStatefulSetAsync(patch, owner.Name, id.Namespace, cancellationToken: t), ct);
                break;
        }
        LogReleased(logger, id.ToString(), api.Cluster, owner.Kind, owner.Name);
    }

    private Task ScaleDownAsync(string what, int replicas, Func<V1Patch, CancellationToken, Task> patch, CancellationToken ct) =>
        PatchAsync($"scale down {what}", new
        {
            metadata = new { annotations = new Dictionary<string, string> { [FederationLabels.MovedReplicas] = replicas.ToString(CultureInfo.InvariantCulture) } },
            spec = new { replicas = Math.Max(0, replicas - 1) },
        }, patch, ct);

    private Task PatchAsync(string what, object body, Func<V1Patch, CancellationToken, Task> call, CancellationToken ct) =>
        api.CallAsync(what, t => call(new V1Patch(JsonSerializer.Serialize(body), V1Patch.PatchType.MergePatch), t), ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} in cluster {Cluster}: a ReplicaSet now heals its pod")]
    private static partial void LogHealer(ILogger logger, string workload, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} in cluster {Cluster} moved away: its {Kind} {Owner} was scaled down by one")]
    private static partial void LogReleased(ILogger logger, string workload, string cluster, string kind, string owner);
}
