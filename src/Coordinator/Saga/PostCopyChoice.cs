using Federation.V1;

namespace Federation.Coordinator.Saga;

/// <summary>
/// Whether a migration's final round runs post-copy (lazy pages): possible on both runtimes (<see cref="Impossible"/>, asked
/// once the target is prepared), and asked for (<see cref="PostCopyMode.On"/>) or, in <see cref="PostCopyMode.Auto"/>, needed
/// because pre-copy did not converge (<see cref="Decide"/>, just before the final checkpoint).
/// </summary>
public static class PostCopyChoice
{
    /// <summary>Why post-copy cannot run for this workload between these runtimes; null when it can.</summary>
    public static string? Impossible(AppSpec spec, DescribeResponse source, PrepareTargetResponse target) =>
        spec.Containers.Count > 0 ? $"the workload has {spec.Containers.Count} containers; post-copy moves one-container workloads only"
        : source.CheckpointMethod != CheckpointMethod.Runc ? "the source runtime's Engine cannot run runc itself (CRIU's lazy dump needs it)"
        : !target.LazyPagesPossible ? $"the destination runtime on node '{target.Node}' cannot restore lazily (criu check --feature uffd-noncoop fails there)"
        : null;

    /// <summary>The decision, and why (for the migration's events); <paramref name="why"/> is null when post-copy is off.</summary>
    /// <param name="impossible">What <see cref="Impossible"/> said.</param>
    /// <param name="stopReason">Why pre-copy stopped ("converged", "round limit", "stopped shrinking", "stop-and-copy").</param>
    /// <param name="lastRoundBytes">What the last pre-copy round put on the wire.</param>
    public static bool Decide(PostCopyMode mode, string? impossible, string stopReason, ulong lastRoundBytes, out string? why)
    {
        why = null;
        switch (mode)
        {
            case PostCopyMode.On:
                if (impossible is null) return true;
                why = $"post-copy is not possible ({impossible}): the memory moves before the freeze instead";
                return false;
            case PostCopyMode.Auto:
                if (stopReason == "converged")
                {
                    why = $"post-copy not needed: pre-copy converged (its last round sent {Mib(lastRoundBytes)})";
                    return false;
                }
                var because = stopReason == "stop-and-copy"
                    ? "there is no pre-copy round"
                    : $"pre-copy did not converge ({stopReason}; its last round sent {Mib(lastRoundBytes)})";
                if (impossible is not null)
                {
                    why = $"{because}, but post-copy is not possible ({impossible}): the final round carries the memory";
                    return false;
                }
                why = $"{because}: the final round runs post-copy";
                return true;
            default:
                return false;
        }
    }

    private static string Mib(ulong bytes) => (bytes / 1048576.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " MiB";
}
