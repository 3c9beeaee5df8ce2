namespace Federation.Adapters.Kubernetes.Pods;

/// <summary>What a runtime pod is for: serving its app, or a passive migration target waiting for a restore.</summary>
/// <param name="Active">True: the Ambassador starts the app; false: it waits for a restore.</param>
/// <param name="MigrationId">The migration that creates a target; null for an active pod.</param>
/// <param name="Generation">The app's generation (0 when created).</param>
/// <param name="Home">Where the stable address lives when another cluster holds it.</param>
public sealed record RuntimePodRole(bool Active, string? MigrationId, long Generation, StableHome? Home = null)
{
    public static RuntimePodRole Serving { get; } = new(true, null, 0);
}
