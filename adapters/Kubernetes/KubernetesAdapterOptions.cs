using Federation.Adapters.Kubernetes.Pods;
using Federation.Common.Images;

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

    /// <summary>The docker-socket image source: the socket's path, whose images are streamed into runtimes; empty otherwise.</summary>
    public string ImageDockerSocket { get; init; } = "";

    /// <summary>The registry image source: runtimes pull their images through the Engine with these; null otherwise.</summary>
    public RegistryPulls? RegistryPulls { get; init; }

    /// <summary>"NodePort" or "PodIP": how other clusters reach a runtime's Engine and app ports.</summary>
    public string PeerAccess { get; init; } = "NodePort";

    public bool PeerByNodePort => PeerAccess.Equals("NodePort", StringComparison.OrdinalIgnoreCase);
}
