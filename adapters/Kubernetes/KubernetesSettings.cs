using Federation.Adapters.Kubernetes.Images;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Common.Images;

namespace Federation.Adapters.Kubernetes;

/// <summary>
/// The Kubernetes (and K3s) adapter's settings, bound from the coordinator's <c>Coordinator:Adapter</c> section
/// (command line: <c>--kubeconfig</c>, <c>--kube-context</c>, <c>--runtime-image</c>, <c>--module-source</c>,
/// <c>--webhook-port</c>, <c>--webhook-cert</c>, <c>--webhook-key</c>, <c>--image-source</c>, <c>--image-docker-socket</c>, and the
/// shared registry settings <see cref="RegistryPullSettings"/>: <c>--registry</c>, <c>--registry-ca</c>, ...) and checked at start when the coordinator runs
/// the "kubernetes" or "k3s" kind. Defaults that differ between the two come from <see cref="KubeFlavor"/>.
/// </summary>
public sealed class KubernetesSettings : RegistryPullSettings
{
    public const string Section = "Coordinator:Adapter";

    /// <summary>The kubeconfig file; empty: $KUBECONFIG, else in-cluster, else the flavor's default file (~/.kube/config, /etc/rancher/k3s/k3s.yaml).</summary>
    public string Kubeconfig { get; set; } = "";

    /// <summary>The kubeconfig context; empty: its current context.</summary>
    public string Context { get; set; } = "";

    /// <summary>The runtime image (dockerd + CRIU): the runtime container of every runtime pod.</summary>
    public string RuntimeImage { get; set; } = "";

    /// <summary>Image of the Engine and Ambassador containers; empty: the runtime image.</summary>
    public string EngineImage { get; set; } = "";

    /// <summary>Where the module binaries (and .NET) come from: <c>image</c> (deploy: they are in the engine image) or <c>hostPath</c> (test harness: the host's build output, like the Docker adapter's bind mounts).</summary>
    public string ModuleSource { get; set; } = RuntimePodOptions.ModulesInImage;

    /// <summary>With <c>hostPath</c>: the directory of Federation.RuntimeModule.dll; empty: this build's.</summary>
    public string ModuleDirectory { get; set; } = "";

    /// <summary>With <c>hostPath</c>: the .NET root; empty: this process's.</summary>
    public string DotnetRoot { get; set; } = "";

    /// <summary>The runtime's inner Docker data and checkpoints on a memory-backed emptyDir (checkpoint I/O dominates downtime).</summary>
    public bool MemoryBackedState { get; set; } = true;

    /// <summary><c>privileged: true</c> for the runtime and Engine (a real cluster); false: the capability set that works where privileged fails (shared/ENVIRONMENT.md).</summary>
    public bool Privileged { get; set; } = true;

    /// <summary>The Secret (in each workload namespace, key <c>token</c>) holding the Engine credential; the adapter writes it.</summary>
    public string EngineSecretName { get; set; } = "federation-engine-credential";

    /// <summary>How other clusters' runtimes reach a runtime's Engine: <c>NodePort</c> (a NodePort Service at the node's InternalIP) or <c>PodIP</c> (one flat network).</summary>
    public string PeerEngineAccess { get; set; } = "NodePort";

    /// <summary>How many workloads (active or target) this cluster accepts.</summary>
    public int MaxWorkloads { get; set; } = 16;

    /// <summary>Namespace of the coordinator's own objects (the holding relay pod).</summary>
    public string SystemNamespace { get; set; } = "federation-system";

    /// <summary>Host directory of the relay's control socket, shared by the relay pod (hostPath) and this coordinator; empty: relay-{cluster} beside the journal.</summary>
    public string RelayDirectory { get; set; } = "";

    /// <summary>How long a hold of a stable address lasts at most (the relay ends it by itself).</summary>
    public TimeSpan MaxTrafficHold { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The webhook's HTTPS port (0: any free port); unset: no webhook.</summary>
    public int? WebhookPort { get; set; }

    /// <summary>The webhook's address to listen on.</summary>
    public string WebhookAddress { get; set; } = "0.0.0.0";

    /// <summary>PEM certificate and key the webhook serves with (the MutatingWebhookConfiguration's caBundle signs it).</summary>
    public string WebhookCertificate { get; set; } = "";
    public string WebhookKey { get; set; } = "";

    /// <summary>
    /// Where runtimes get app images: <c>registry</c> (the runtime's dockerd pulls the workload's image reference through
    /// its Engine, with the registry settings) or <c>docker-socket</c> (streamed from <see cref="ImageDockerSocket"/>).
    /// Empty: <c>docker-socket</c> when a socket is given, else <c>registry</c>.
    /// </summary>
    public string ImageSource { get; set; } = "";

    /// <summary>
    /// With the docker-socket source: the Docker engine socket beside the coordinator (<c>unix:///path</c> or <c>/path</c>)
    /// whose images are streamed into runtimes (test harness, air-gapped edge).
    /// </summary>
    public string ImageDockerSocket { get; set; } = "";

    /// <summary>The image source in effect; null when <see cref="ImageSource"/> is neither "registry" nor "docker-socket".</summary>
    public KubeImageSource? ParsedImageSource() => ImageSource.Trim().ToLowerInvariant() switch
    {
        "" => ImageDockerSocket.Length > 0 ? KubeImageSource.DockerSocket : KubeImageSource.Registry,
        "registry" => KubeImageSource.Registry,
        "docker-socket" => KubeImageSource.DockerSocket,
        _ => null,
    };

    /// <summary>The socket's path without its <c>unix://</c> scheme.</summary>
    public string ImageDockerSocketPath() =>
        ImageDockerSocket.StartsWith("unix://", StringComparison.Ordinal) ? ImageDockerSocket["unix://".Length..] : ImageDockerSocket;

    /// <summary>How long Deploy and CreatePassiveTarget wait for the pod to become Ready.</summary>
    public TimeSpan PodReadyTimeout { get; set; } = TimeSpan.FromSeconds(120);
}
