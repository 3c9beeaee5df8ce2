namespace Federation.Coordinator.Options;

/// <summary>Which orchestrator this cluster is. Each adapter binds its own settings from the same section.</summary>
public sealed class AdapterOptions
{
    /// <summary>One of the kinds the host registered ("docker"; tests register "fake"); may be left empty when the host offers only one.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The configured kind, or the only one registered when none is configured.</summary>
    public string KindAmong(IEnumerable<Adapters.AdapterKind> registered)
    {
        if (Kind.Length > 0) return Kind;
        var kinds = registered.Select(k => k.Name).Distinct().ToList();
        return kinds.Count == 1 ? kinds[0] : "";
    }
}
