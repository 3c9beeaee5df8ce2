using Federation.Adapters.Kubernetes.Pods;

namespace Federation.Adapters.Kubernetes;

/// <summary>The adapter's settings resolved for one cluster (from <see cref="KubernetesSettings"/> and the <see cref="ClusterContext"/>).</summary>
public sealed record KubernetesAdapterOptions
{
    public required string Cluster { get; init; }
    public required KubeFlavor Flavor { get; init; }
    public required RuntimePodOptions Pods { get; init; }
    public int MaxWorkloads { get; init; } = 16;
    public string SystemNamespace { get; init; } = "federation-system";
    public string RelayDirectory { get; init; } = "";
    public TimeSpan MaxTrafficHold { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan PodReadyTimeout { get; init; } = TimeSpan.FromSeconds(120);
    public string ImageDockerSocket { get; init; } = "";

    /// <summary>"NodePort" or "PodIP": how other clusters reach a runtime's Engine and app ports.</summary>
    public string PeerAccess { get; init; } = "NodePort";

    public bool PeerByNodePort => PeerAccess.Equals("NodePort", StringComparison.OrdinalIgnoreCase);
}
