namespace Federation.Coordinator.Policy;

/// <summary>Limits every policy keeps: at most <see cref="MaxConcurrentMigrations"/> moves out of this cluster at once; no workload moved again within <see cref="Cooldown"/>.</summary>
public sealed record PolicyGuards(int MaxConcurrentMigrations, TimeSpan Cooldown)
{
    public static readonly PolicyGuards Default = new(1, TimeSpan.FromMinutes(10));
}
