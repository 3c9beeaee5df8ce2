using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// The garbage collector, background propagation: a Pod or ReplicaSet whose every owner (of a kind it knows) is gone is
/// deleted; owner references to owners that are gone are dropped while another owner remains. An owner is gone when the
/// API server has no object of that name and uid (checked with a read before anything is deleted).
/// </summary>
public sealed partial class GarbageCollector(IKubernetes client, ILogger logger)
{
    private static readonly HashSet<string> KnownKinds = ["Deployment", "ReplicaSet", "StatefulSet", "Pod"];

    public async Task<bool> ReconcileAsync(ClusterState state, CancellationToken ct)
    {
        var uids = state.Deployments.Select(d => d.Metadata.Uid)
            .Concat(state.ReplicaSets.Select(r => r.Metadata.Uid))
            .Concat(state.StatefulSets.Select(s => s.Metadata.Uid))
            .Concat(state.Pods.Select(p => p.Metadata.Uid)).ToHashSet();
        var settled = true;
        foreach (var dependent in state.ReplicaSets.Cast<IKubernetesObject<V1ObjectMeta>>().Concat(state.Pods))
        {
            var refs = dependent.Metadata.OwnerReferences;
            if (refs is not { Count: > 0 } || dependent.Metadata.DeletionTimestamp is not null) continue;
            var suspect = refs.Where(r => KnownKinds.Contains(r.Kind) && !uids.Contains(r.Uid)).ToList();
            if (suspect.Count == 0) continue;
            var gone = new List<V1OwnerReference>();
            foreach (var owner in suspect)
                if (!await ExistsAsync(owner, dependent.Metadata.NamespaceProperty, ct)) gone.Add(owner);
            if (gone.Count == 0) continue;
            try
            {
                if (gone.Count == refs.Count) await DeleteAsync(dependent, ct);
                else await DropReferencesAsync(dependent, gone, ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                settled = false;
            }
        }
        return settled;
    }

    private async Task<bool> ExistsAsync(V1OwnerReference owner, string ns, CancellationToken ct)
    {
        try
        {
            IKubernetesObject<V1ObjectMeta> found = owner.Kind switch
            {
                "Deployment" => await client.AppsV1.ReadNamespacedDeploymentAsync(owner.Name, ns, cancellationToken: ct),
                "ReplicaSet" => await client.AppsV1.ReadNamespacedReplicaSetAsync(owner.Name, ns, cancellationToken: ct),
                "StatefulSet" => await client.AppsV1.ReadNamespacedStatefulSetAsync(owner.Name, ns, cancellationToken: ct),
                _ => await client.CoreV1.ReadNamespacedPodAsync(owner.Name, ns, cancellationToken: ct),
            };
            return found.Metadata.Uid == owner.Uid;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task DeleteAsync(IKubernetesObject<V1ObjectMeta> dependent, CancellationToken ct)
    {
        var meta = dependent.Metadata;
        if (dependent is V1Pod) await client.CoreV1.DeleteNamespacedPodAsync(meta.Name, meta.NamespaceProperty, propagationPolicy: "Background", cancellationToken: ct);
        else await client.AppsV1.DeleteNamespacedReplicaSetAsync(meta.Name, meta.NamespaceProperty, propagationPolicy: "Background", cancellationToken: ct);
        LogCollected(logger, dependent is V1Pod ? "pod" : "replicaset", meta.NamespaceProperty, meta.Name);
    }

    private async Task DropReferencesAsync(IKubernetesObject<V1ObjectMeta> dependent, List<V1OwnerReference> gone, CancellationToken ct)
    {
        var meta = dependent.Metadata;
        meta.OwnerReferences = meta.OwnerReferences.Where(r => gone.All(g => g.Uid != r.Uid)).ToList();
        if (dependent is V1Pod pod) await client.CoreV1.ReplaceNamespacedPodAsync(pod, meta.Name, meta.NamespaceProperty, cancellationToken: ct);
        else if (dependent is V1ReplicaSet rs) await client.AppsV1.ReplaceNamespacedReplicaSetAsync(rs, meta.Name, meta.NamespaceProperty, cancellationToken: ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "garbage collected {Kind} {Namespace}/{Name}: its owner is gone")]
    private static partial void LogCollected(ILogger logger, string kind, string @namespace, string name);
}
