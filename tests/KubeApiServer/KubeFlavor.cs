namespace Federation.Tests.Kube;

/// <summary>Which distribution the mock API server pretends to be; K3s differs only in its defaults.</summary>
public enum KubeFlavor
{
    /// <summary>Upstream Kubernetes: gitVersion v1.31.4, service CIDR 10.96.0.0/12, containerd runtime.</summary>
    Kubernetes,

    /// <summary>K3s: gitVersion v1.31.4+k3s1, k3s node labels, containerd://1.7.23-k3s2, default StorageClass local-path, service CIDR 10.43.0.0/16.</summary>
    K3s,
}
