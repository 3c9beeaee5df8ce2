using Federation.V1;

namespace Federation.Coordinator.Saga;

/// <summary>Whether a migration's final round runs post-copy (lazy pages): asked for, and possible on both runtimes.</summary>
public static class PostCopyChoice
{
    /// <param name="why">Why post-copy cannot run although it was asked for; null otherwise.</param>
    public static bool Decide(Migration migration, AppSpec spec, DescribeResponse source, PrepareTargetResponse target, out string? why)
    {
        why = null;
        if (migration.Options?.PostCopy != true) return false;
        why = spec.Containers.Count > 0 ? $"the workload has {spec.Containers.Count} containers; post-copy moves one-container workloads only"
            : source.CheckpointMethod != CheckpointMethod.Runc ? "the source runtime's Engine cannot run runc itself (CRIU's lazy dump needs it)"
            : !target.LazyPagesPossible ? $"the destination runtime on node '{target.Node}' cannot restore lazily (criu check --feature uffd-noncoop fails there)"
            : null;
        return why is null;
    }
}
