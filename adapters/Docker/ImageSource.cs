namespace Federation.Adapters.Docker;

/// <summary>Where a Docker-host cluster's runtimes get app images.</summary>
public enum ImageSource
{
    /// <summary>The Docker host's own dockerd: <c>docker save</c> streamed into the runtime through its Engine (air-gapped edges).</summary>
    Host,

    /// <summary>A registry: the runtime's inner dockerd pulls the image reference itself, the way a cluster's nodes do.</summary>
    Registry,
}
