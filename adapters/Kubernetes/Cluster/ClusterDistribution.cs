using k8s.Models;

namespace Federation.Adapters.Kubernetes.Cluster;

/// <summary>
/// Which distribution serves the API: K3s says so in its server version (<c>v1.31.4+k3s1</c>) and labels its nodes
/// <c>node.kubernetes.io/instance-type=k3s</c>. K3s runs containerd and local-path storage; the runtime pod does not
/// depend on either (its dockerd is inside the pod, its state on an emptyDir), so this only informs logs and the offer.
/// </summary>
public sealed record ClusterDistribution(bool IsK3s, string GitVersion, string ContainerRuntime)
{
    public const string InstanceTypeLabel = "node.kubernetes.io/instance-type";

    public static ClusterDistribution Detect(VersionInfo? version, IEnumerable<V1Node> nodes)
    {
        var list = nodes.ToList();
        var gitVersion = version?.GitVersion ?? "";
        var k3s = gitVersion.Contains("+k3s", StringComparison.Ordinal)
            || list.Any(n => n.Metadata?.Labels?.TryGetValue(InstanceTypeLabel, out var type) == true && type == "k3s");
        var runtime = list.Select(n => n.Status?.NodeInfo?.ContainerRuntimeVersion).FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
        return new ClusterDistribution(k3s, gitVersion, runtime);
    }
}
