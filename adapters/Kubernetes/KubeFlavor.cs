namespace Federation.Adapters.Kubernetes;

/// <summary>
/// What differs between the adapter kinds that share this code: the kind's name and the kubeconfig it reads when none
/// is given. K3s (adapters/K3s) is Kubernetes with other defaults; everything else is detected from the cluster.
/// </summary>
/// <param name="Kind">The adapter kind ("kubernetes", "k3s").</param>
/// <param name="DefaultKubeconfig">The file read when neither the setting nor $KUBECONFIG names one and the coordinator runs outside a cluster.</param>
/// <param name="ExpectsK3s">Whether this kind is meant for a K3s server (a mismatch is logged, not refused: K3s is a conformant Kubernetes).</param>
public sealed record KubeFlavor(string Kind, string DefaultKubeconfig, bool ExpectsK3s)
{
    public static KubeFlavor Kubernetes { get; } = new("kubernetes", Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config"), false);
}
