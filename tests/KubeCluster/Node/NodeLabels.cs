namespace Federation.Tests.Kube;

/// <summary>Labels the node agent puts on what it creates in Docker, to find a pod's containers and volumes again and clean up.</summary>
public static class NodeLabels
{
    /// <summary>The cluster's id (<c>{prefix}-{cluster}</c>): everything of one test cluster carries it.</summary>
    public const string Cluster = "fedkube.cluster";
    public const string PodUid = "fedkube.pod-uid";
    public const string PodNamespace = "fedkube.pod-namespace";
    public const string PodName = "fedkube.pod-name";

    /// <summary>The container's name in the pod spec; <see cref="SandboxContainer"/> for the sandbox.</summary>
    public const string Container = "fedkube.container";

    public const string SandboxContainer = "POD";

    /// <summary>A label of a listed container, or null.</summary>
    public static string? Of(Docker.DotNet.Models.ContainerListResponse container, string key) =>
        container.Labels is not null && container.Labels.TryGetValue(key, out var value) ? value : null;

    public static Dictionary<string, string> For(string cluster, k8s.Models.V1Pod pod, string container) => new()
    {
        [Cluster] = cluster,
        [PodUid] = pod.Metadata.Uid,
        [PodNamespace] = pod.Metadata.NamespaceProperty ?? "default",
        [PodName] = pod.Metadata.Name,
        [Container] = container,
    };
}
