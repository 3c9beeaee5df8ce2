using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// The ReplicaSet controller: keeps spec.replicas pods of the template, adopting orphan pods that match the selector
/// and releasing owned pods whose labels no longer match (what lets a controller take over a pod, or let one go), and
/// reports replicas, readyReplicas and availableReplicas.
/// </summary>
public sealed partial class ReplicaSetController(IKubernetes client, ILogger logger)
{
    /// <returns>False when a write lost a race (conflict): the caller passes again.</returns>
    public Task<bool> ReconcileAsync(ClusterState state, CancellationToken ct) =>
        ReconcileLoop.EachAsync(state.ReplicaSets.Where(r => r.Metadata.DeletionTimestamp is null), rs => ReconcileOneAsync(rs, state, ct));

    private async Task<bool> ReconcileOneAsync(V1ReplicaSet rs, ClusterState state, CancellationToken ct)
    {
        var ns = rs.Metadata.NamespaceProperty;
        var owned = new List<V1Pod>();
        foreach (var pod in state.PodsIn(ns))
        {
            var matches = LabelSelectors.Matches(rs.Spec.Selector, pod.Metadata.Labels);
            if (Owners.IsControlledBy(pod.Metadata, rs.Metadata))
            {
                if (matches || pod.Metadata.DeletionTimestamp is not null) owned.Add(pod);
                else await ReleaseAsync(rs, pod, ct);
            }
            else if (matches && Owners.ControllerOf(pod.Metadata) is null && pod.Metadata.DeletionTimestamp is null)
            {
                owned.Add(await AdoptAsync(rs, pod, ct));
            }
        }
        var active = owned.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Succeeded" or "Failed")).ToList();
        var want = rs.Spec.Replicas ?? 1;
        if (active.Count < want)
        {
            for (var i = active.Count; i < want; i++) await CreatePodAsync(rs, ct);
        }
        else if (active.Count > want)
        {
            foreach (var pod in active.OrderBy(DeletionRank).ThenByDescending(p => p.Metadata.CreationTimestamp).Take(active.Count - want))
            {
                try { await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, cancellationToken: ct); }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
                LogScaledDown(logger, ns, rs.Metadata.Name, pod.Metadata.Name);
            }
        }
        return await WriteStatusAsync(rs, active, ct);
    }

    /// <summary>Pods deleted first on scale down: unscheduled, then not running, then not ready (as the real controller ranks them).</summary>
    private static int DeletionRank(V1Pod pod) =>
        string.IsNullOrEmpty(pod.Spec.NodeName) ? 0
        : pod.Status?.Phase != "Running" ? 1
        : !IsReady(pod) ? 2
        : 3;

    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private async Task<V1Pod> AdoptAsync(V1ReplicaSet rs, V1Pod pod, CancellationToken ct)
    {
        pod.Metadata.OwnerReferences = [.. pod.Metadata.OwnerReferences ?? [], Owners.ControllerReference(rs)];
        var adopted = await client.CoreV1.ReplaceNamespacedPodAsync(pod, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
        LogAdopted(logger, rs.Metadata.NamespaceProperty, rs.Metadata.Name, pod.Metadata.Name);
        return adopted;
    }

    private async Task ReleaseAsync(V1ReplicaSet rs, V1Pod pod, CancellationToken ct)
    {
        pod.Metadata.OwnerReferences = pod.Metadata.OwnerReferences!.Where(r => r.Uid != rs.Metadata.Uid).ToList();
        await client.CoreV1.ReplaceNamespacedPodAsync(pod, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
        LogReleased(logger, rs.Metadata.NamespaceProperty, rs.Metadata.Name, pod.Metadata.Name);
    }

    private async Task CreatePodAsync(V1ReplicaSet rs, CancellationToken ct)
    {
        var template = rs.Spec.Template;
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = $"{rs.Metadata.Name}-{Owners.RandomSuffix()}",
                NamespaceProperty = rs.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels) : null,
                Annotations = template.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                OwnerReferences = [Owners.ControllerReference(rs)],
            },
            Spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(template.Spec)),
        };
        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, rs.Metadata.NamespaceProperty, cancellationToken: ct);
        LogCreated(logger, rs.Metadata.NamespaceProperty, rs.Metadata.Name, created.Metadata.Name);
    }

    private async Task<bool> WriteStatusAsync(V1ReplicaSet rs, List<V1Pod> active, CancellationToken ct)
    {
        var ready = active.Count(IsReady);
        var status = new V1ReplicaSetStatus
        {
            Replicas = active.Count,
            FullyLabeledReplicas = active.Count(p => LabelSelectors.Matches(new V1LabelSelector { MatchLabels = rs.Spec.Template.Metadata?.Labels }, p.Metadata.Labels)),
            ReadyReplicas = ready,
            AvailableReplicas = ready,
            ObservedGeneration = rs.Metadata.Generation,
        };
        if (KubernetesJson.Serialize(status) == KubernetesJson.Serialize(rs.Status ?? new V1ReplicaSetStatus())) return true;
        rs.Status = status;
        try
        {
            await client.AppsV1.ReplaceNamespacedReplicaSetStatusAsync(rs, rs.Metadata.Name, rs.Metadata.NamespaceProperty, cancellationToken: ct);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "replicaset {Namespace}/{Name}: created pod {Pod}")]
    private static partial void LogCreated(ILogger logger, string @namespace, string name, string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "replicaset {Namespace}/{Name}: deleted pod {Pod} (scale down)")]
    private static partial void LogScaledDown(ILogger logger, string @namespace, string name, string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "replicaset {Namespace}/{Name}: adopted pod {Pod}")]
    private static partial void LogAdopted(ILogger logger, string @namespace, string name, string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "replicaset {Namespace}/{Name}: released pod {Pod} (labels no longer match)")]
    private static partial void LogReleased(ILogger logger, string @namespace, string name, string pod);
}
