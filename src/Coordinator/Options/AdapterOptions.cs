namespace Federation.Coordinator.Options;

/// <summary>Which orchestrator this cluster is and how to reach it.</summary>
public sealed class AdapterOptions
{
    /// <summary>"docker" (the only kind so far; the name "fake" is reserved for tests that bring their own).</summary>
    public string Kind { get; set; } = "docker";

    /// <summary>Docker: the outer dockerd.</summary>
    public string DockerEndpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>Docker: the runtime image (FEDERATION_RUNTIME_IMAGE of scripts/setup.sh).</summary>
    public string RuntimeImage { get; set; } = "";

    /// <summary>Docker: prefix of the runtime container names, so several clusters can share one dockerd.</summary>
    public string NamePrefix { get; set; } = "fed";

    /// <summary>Docker: where the adapter keeps its routes and roles; defaults to the journal's directory.</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>How many workloads (active or target) this cluster accepts.</summary>
    public int MaxWorkloads { get; set; } = 16;
}
