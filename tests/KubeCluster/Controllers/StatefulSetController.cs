using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// The StatefulSet controller: pods name-0 .. name-(n-1), created in order (each after the one before runs and is ready,
/// unless podManagementPolicy is Parallel) and removed from the highest ordinal down; a failed pod is replaced under its
/// name. Volume claim templates are not supported (the test node has no storage).
/// </summary>
public sealed partial class StatefulSetController(IKubernetes client, ILogger logger)
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";

    public Task<bool> ReconcileAsync(ClusterState state, CancellationToken ct) =>
        ReconcileLoop.EachAsync(state.StatefulSets.Where(s => s.Metadata.DeletionTimestamp is null), set => ReconcileOneAsync(set, state, ct));

    private async Task<bool> ReconcileOneAsync(V1StatefulSet set, ClusterState state, CancellationToken ct)
    {
        var ns = set.Metadata.NamespaceProperty;
        var name = set.Metadata.Name;
        var want = set.Spec.Replicas ?? 1;
        var parallel = set.Spec.PodManagementPolicy == "Parallel";
        var pods = state.PodsIn(ns).Where(p => Owners.IsControlledBy(p.Metadata, set.Metadata)).ToDictionary(p => p.Metadata.Name);
        var byName = state.PodsIn(ns).ToDictionary(p => p.Metadata.Name);
        for (var i = 0; i < want; i++)
        {
            var podName = $"{name}-{i}";
            if (pods.TryGetValue(podName, out var pod))
            {
                if (pod.Status?.Phase is "Failed" or "Succeeded" && pod.Metadata.DeletionTimestamp is null)
                    await DeleteAsync(ns, podName, ct);
                if (!parallel && !(pod.Status?.Phase == "Running" && ReplicaSetController.IsReady(pod))) break;
                continue;
            }
            // A pod of that name that is not ours (yet) blocks the ordinal, as in the real controller.
            if (byName.ContainsKey(podName)) break;
            await CreatePodAsync(set, i, ct);
            if (!parallel) break;
        }
        foreach (var extra in pods.Values.Select(p => (Pod: p, Ordinal: OrdinalOf(p.Metadata.Name, name))).Where(p => p.Ordinal >= want && p.Pod.Metadata.DeletionTimestamp is null)
                     .OrderByDescending(p => p.Ordinal).Take(parallel ? int.MaxValue : 1))
            await DeleteAsync(ns, extra.Pod.Metadata.Name, ct);

        var active = pods.Values.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Succeeded" or "Failed")).ToList();
        var ready = active.Count(ReplicaSetController.IsReady);
        var status = new V1StatefulSetStatus
        {
            Replicas = active.Count,
            ReadyReplicas = ready,
            CurrentReplicas = active.Count,
            UpdatedReplicas = active.Count,
            AvailableReplicas = ready,
            ObservedGeneration = set.Metadata.Generation,
        };
        if (KubernetesJson.Serialize(status) == KubernetesJson.Serialize(set.Status ?? new V1StatefulSetStatus())) return true;
        set.Status = status;
        try { await client.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(set, name, ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound) { return false; }
        return true;
    }

    private static int OrdinalOf(string podName, string setName) =>
        podName.StartsWith(setName + "-", StringComparison.Ordinal) && int.TryParse(podName[(setName.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    private async Task CreatePodAsync(V1StatefulSet set, int ordinal, CancellationToken ct)
    {
        var template = set.Spec.Template;
        var podName = $"{set.Metadata.Name}-{ordinal}";
        var spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(template.Spec));
        spec.Hostname = podName;
        spec.Subdomain ??= set.Spec.ServiceName;
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = podName,
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>())
                {
                    [PodNameLabel] = podName,
                    ["apps.kubernetes.io/pod-index"] = ordinal.ToString(CultureInfo.InvariantCulture),
                },
                Annotations = template.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                OwnerReferences = [Owners.ControllerReference(set)],
            },
            Spec = spec,
        };
        await client.CoreV1.CreateNamespacedPodAsync(pod, set.Metadata.NamespaceProperty, cancellationToken: ct);
        LogCreated(logger, set.Metadata.NamespaceProperty, set.Metadata.Name, podName);
    }

    private async Task DeleteAsync(string ns, string pod, CancellationToken ct)
    {
        try { await client.CoreV1.DeleteNamespacedPodAsync(pod, ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
        LogDeleted(logger, ns, pod);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "statefulset {Namespace}/{Name}: created pod {Pod}")]
    private static partial void LogCreated(ILogger logger, string @namespace, string name, string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "statefulset pod {Namespace}/{Pod} deleted")]
    private static partial void LogDeleted(ILogger logger, string @namespace, string pod);
}
