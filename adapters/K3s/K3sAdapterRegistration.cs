using Federation.Adapters.Kubernetes;

namespace Federation.Adapters.K3s;

/// <summary>
/// K3s is Kubernetes with other defaults, so this adapter is the Kubernetes adapter under the kind "k3s" with K3s's
/// kubeconfig (<c>/etc/rancher/k3s/k3s.yaml</c> when neither <c>--kubeconfig</c> nor $KUBECONFIG names one and the
/// coordinator runs outside the cluster). What else differs is detected, not configured
/// (<see cref="Kubernetes.Cluster.ClusterDistribution"/>): K3s's containerd does not matter to a runtime pod (its
/// dockerd runs inside the pod), and its local-path storage is not used (a runtime's state is an emptyDir that lives
/// and dies with the pod; a migration moves it through checkpoints, not volumes).
/// </summary>
public static class K3sAdapterRegistration
{
    public const string Kind = "k3s";
    public const string DefaultKubeconfig = "/etc/rancher/k3s/k3s.yaml";

    public static KubeFlavor Flavor { get; } = new(Kind, DefaultKubeconfig, ExpectsK3s: true);

    public static AdapterModule Module { get; } = KubernetesAdapterRegistration.ModuleFor(Flavor);
}
