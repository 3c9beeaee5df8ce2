namespace Federation.Coordinator.Options;

/// <summary>Which orchestrator this cluster is. Each adapter binds its own settings from the same section.</summary>
public sealed class AdapterOptions
{
    /// <summary>One of the kinds the host registered ("docker"; tests register "fake").</summary>
    public string Kind { get; set; } = "docker";
}
