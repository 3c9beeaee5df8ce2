namespace Federation.Tests.Kube;

/// <summary>How the node agent runs its node's pods on the local dockerd.</summary>
public sealed class NodeAgentOptions
{
    /// <summary>The Node object's name; pods bound to it run here.</summary>
    public required string NodeName { get; init; }

    /// <summary>The node's InternalIP: the cluster network's gateway address on this host.</summary>
    public required string NodeIp { get; init; }

    /// <summary>The Docker network the pods' sandboxes join (one per cluster).</summary>
    public required string Network { get; init; }

    /// <summary>The cluster's id (<c>{prefix}-{cluster}</c>): label value and prefix of every Docker name.</summary>
    public required string ClusterId { get; init; }

    /// <summary>Image of the sandbox container that holds a pod's namespaces (needs <c>/bin/sh</c> and <c>sleep</c>).</summary>
    public required string SandboxImage { get; init; }

    /// <summary>Where configMap, secret and downwardAPI volumes are written before they are bind-mounted.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>
    /// <c>securityContext.privileged</c> as Docker's <c>--privileged</c> (a real node); otherwise the capability set that
    /// works on kernels where it fails (shared/ENVIRONMENT.md), plus the host's cgroup tree read-write.
    /// </summary>
    public bool NativePrivileged { get; init; }

    /// <summary>How often each pod's containers, probes and status are looked at.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Restarts of one container before the agent gives up on it (a test node's bound on CrashLoopBackOff).</summary>
    public int MaxRestarts { get; init; } = 10;

    /// <summary>The longest back-off between two restarts of a container.</summary>
    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromSeconds(10);
}
