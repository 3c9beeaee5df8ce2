namespace Federation.Adapters.Mesos.Runtime;

/// <summary>What a runtime app is for: an active workload (its app starts from the image) or a passive target of a migration.</summary>
/// <param name="Home">Where the stable address lives when another cluster holds it.</param>
public sealed record RuntimeAppRole(bool Active, string? MigrationId, StableHome? Home)
{
    public static RuntimeAppRole Serving { get; } = new(true, null, null);
}
