namespace Federation.Tests.Kube;

/// <summary>How a <see cref="KubeApiServer"/> starts: its flavor, its one node, authentication and transport.</summary>
public sealed record KubeApiServerOptions
{
    public KubeFlavor Flavor { get; init; } = KubeFlavor.Kubernetes;

    /// <summary>The name of the Node that exists at start.</summary>
    public string NodeName { get; init; } = "node-1";

    /// <summary>The node's status.addresses InternalIP.</summary>
    public string NodeInternalIP { get; init; } = "127.0.0.1";

    /// <summary>The node's capacity and allocatable cpu.</summary>
    public string NodeCpu { get; init; } = "2";

    /// <summary>The node's capacity and allocatable memory.</summary>
    public string NodeMemory { get; init; } = "8Gi";

    /// <summary>When set, every request but /version, /healthz, /livez and /readyz needs <c>Authorization: Bearer TOKEN</c> (401 otherwise).</summary>
    public string? BearerToken { get; init; }

    /// <summary>
    /// Serve HTTPS with a certificate of a throwaway CA (written into the kubeconfig) instead of plain HTTP.
    /// A <see cref="BearerToken"/> implies HTTPS: kubectl (client-go's clientcmd) sends credentials only over TLS.
    /// </summary>
    public bool Https { get; init; }

    /// <summary>True when the server serves HTTPS.</summary>
    public bool UsesHttps => Https || BearerToken is not null;

    /// <summary>How many change events are kept for watches that resume from an older resourceVersion (older ones get 410 Gone).</summary>
    public int HistoryWindow { get; init; } = 10_000;

    /// <summary>
    /// When true a pod bound to a node and deleted with a grace period is only marked (deletionTimestamp and
    /// deletionGracePeriodSeconds set), as the real server does, and goes away when the node agent deletes it
    /// again with gracePeriodSeconds=0. When false (default) such a delete is immediate.
    /// </summary>
    public bool GracefulPodDeletion { get; init; }

    /// <summary>Serve the resource metrics API (metrics.k8s.io/v1beta1, as metrics-server) from <see cref="KubeApiServer.Metrics"/>; false: the cluster has no metrics-server.</summary>
    public bool MetricsApi { get; init; }

    /// <summary>
    /// How long a deleted namespace stays Terminating (refusing new content, its objects still there) before the
    /// emulated namespace controller deletes its content and it; zero deletes at once.
    /// </summary>
    public TimeSpan NamespaceFinalizationDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a watch stays open when the client gives no timeoutSeconds (the real server picks 30 to 60 minutes).</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
