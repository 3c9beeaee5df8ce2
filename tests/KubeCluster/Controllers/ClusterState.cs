using k8s;
using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>What one reconcile pass of the controllers sees: fresh lists of every kind they manage.</summary>
public sealed record ClusterState(
    IReadOnlyList<V1Deployment> Deployments,
    IReadOnlyList<V1ReplicaSet> ReplicaSets,
    IReadOnlyList<V1StatefulSet> StatefulSets,
    IReadOnlyList<V1Pod> Pods,
    IReadOnlyList<V1Service> Services,
    IReadOnlyList<V1Endpoints> Endpoints)
{
    public static async Task<ClusterState> ListAsync(IKubernetes client, CancellationToken ct)
    {
        // Owners before dependents: an owner made between two lists is then never missing while its dependent is there.
        var deployments = await client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct);
        var statefulSets = await client.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: ct);
        var replicaSets = await client.AppsV1.ListReplicaSetForAllNamespacesAsync(cancellationToken: ct);
        var pods = await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct);
        var services = await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct);
        var endpoints = await client.CoreV1.ListEndpointsForAllNamespacesAsync(cancellationToken: ct);
        return new ClusterState(
            WithKind(deployments.Items, "apps/v1", "Deployment"), WithKind(replicaSets.Items, "apps/v1", "ReplicaSet"),
            WithKind(statefulSets.Items, "apps/v1", "StatefulSet"), WithKind(pods.Items, "v1", "Pod"),
            services.Items.ToList(), endpoints.Items.ToList());
    }

    public IEnumerable<V1Pod> PodsIn(string? ns) => Pods.Where(p => p.Metadata.NamespaceProperty == ns);

    /// <summary>Items of a list carry no apiVersion and kind of their own; owner references need them.</summary>
    private static List<T> WithKind<T>(IList<T> items, string apiVersion, string kind) where T : IKubernetesObject
    {
        foreach (var item in items)
        {
            item.ApiVersion = apiVersion;
            item.Kind = kind;
        }
        return items.ToList();
    }
}
