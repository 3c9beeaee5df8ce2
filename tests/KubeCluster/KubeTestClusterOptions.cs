namespace Federation.Tests.Kube;

/// <summary>How a <see cref="KubeTestCluster"/> starts.</summary>
public sealed record KubeTestClusterOptions
{
    public KubeFlavor Flavor { get; init; } = KubeFlavor.Kubernetes;

    /// <summary>The cluster's short name, part of every Docker name (<c>{prefix}-kube-{name}</c>).</summary>
    public string Name { get; init; } = "k8s";

    /// <summary>Prefix of everything made in Docker, so parallel runs do not collide: FEDTEST_KUBE_PREFIX, else <c>fedkube</c>.</summary>
    public string Prefix { get; init; } = Environment.GetEnvironmentVariable("FEDTEST_KUBE_PREFIX") is { Length: > 0 } prefix ? prefix : "fedkube";

    /// <summary>The Node's name.</summary>
    public string NodeName { get; init; } = "node-1";

    /// <summary>Image of the pods' sandbox containers (needs /bin/sh and sleep): FEDERATION_TESTAPP_IMAGE unless given.</summary>
    public string? SandboxImage { get; init; }

    /// <summary>privileged: true as Docker's --privileged (a real node) instead of the capability set that works on this kernel.</summary>
    public bool NativePrivileged { get; init; }

    /// <summary>Pods deleted with a grace period are marked and finalised by the node agent (as on a real cluster).</summary>
    public bool GracefulPodDeletion { get; init; } = true;

    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }
}
