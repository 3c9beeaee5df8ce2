namespace Federation.Tests.Kube.Resources;

/// <summary>What differs between upstream Kubernetes and K3s as far as an API client can see.</summary>
public sealed record FlavorProfile(
    KubeFlavor Flavor,
    string GitVersion,
    string GitCommit,
    string BuildDate,
    string GoVersion,
    string ContainerRuntimeVersion,
    string KubeletVersion,
    string ServiceNetworkPrefix,
    string OsImage)
{
    public static FlavorProfile For(KubeFlavor flavor) => flavor switch
    {
        KubeFlavor.K3s => new(flavor, "v1.31.4+k3s1", "a562d0900aa6ea2b8ea5dbd7c7ee6b0cbd2d3b8e", "2024-12-17T20:15:04Z", "go1.22.9",
            "containerd://1.7.23-k3s2", "v1.31.4+k3s1", "10.43.0.", "K3s v1.31.4+k3s1"),
        _ => new(flavor, "v1.31.4", "a78aa47129b8539636eb86a9d00e31b2720fe06b", "2024-12-10T11:37:09Z", "go1.22.9",
            "containerd://1.7.24", "v1.31.4", "10.96.0.", "Debian GNU/Linux 12 (bookworm)"),
    };

    /// <summary>The ClusterIP of the "kubernetes" Service in "default".</summary>
    public string KubernetesServiceIP => ServiceNetworkPrefix + "1";
}
