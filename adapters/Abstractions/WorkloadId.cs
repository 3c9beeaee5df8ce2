namespace Federation.Adapters;

/// <summary>A workload's name in its namespace, written "namespace/name".</summary>
public sealed record WorkloadId(string Namespace, string Name)
{
    public const string DefaultNamespace = "default";

    /// <summary>"ns/name" or "name" (namespace "default"); null when it is not of that shape.</summary>
    public static WorkloadId? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Trim().Split('/');
        return parts.Length switch
        {
            1 => new WorkloadId(DefaultNamespace, parts[0]),
            2 when parts[0].Length > 0 && parts[1].Length > 0 => new WorkloadId(parts[0], parts[1]),
            _ => null,
        };
    }

    public override string ToString() => $"{Namespace}/{Name}";
}
