namespace Federation.Adapters.Kubernetes.Images;

/// <summary>Where a Kubernetes cluster's runtimes get app images (<c>--image-source</c>).</summary>
public enum KubeImageSource
{
    /// <summary><c>registry</c> (the default): the runtime's inner dockerd pulls the image reference through the Engine, the way the cluster's nodes do.</summary>
    Registry,

    /// <summary><c>docker-socket</c>: images streamed from a Docker engine beside the coordinator (<c>--image-docker-socket</c>; test harness, air-gapped edge).</summary>
    DockerSocket,
}
