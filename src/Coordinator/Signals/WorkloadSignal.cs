using Federation.Coordinator.Policy;

namespace Federation.Coordinator.Signals;

/// <summary>
/// One workload as the policies see it. Shares are the part of its cluster's pressure it accounts for (CPU, memory, one slot),
/// in the same 0..1 units as <see cref="PressureSample"/>.
/// </summary>
/// <param name="Cluster">Where it runs now.</param>
/// <param name="HomeCluster">Where it was deployed (and comes back to).</param>
/// <param name="Priority">Higher stays longer: lower priorities move out first and come home last.</param>
/// <param name="OptOut">Never moved by a policy.</param>
/// <param name="LastMovedAt">When it last moved (any move, manual or by policy); null: never.</param>
/// <param name="Moving">A migration holds it now.</param>
/// <param name="Pinned">Pinned by hand in this cluster (<c>fedctl pin</c>): never moved by a policy.</param>
/// <param name="Measured">Its CPU and memory shares come from its measured use (else an even split of its cluster's pressure).</param>
public sealed record WorkloadSignal(
    string Workload,
    string Cluster,
    string HomeCluster,
    double CpuShare,
    double MemoryShare,
    double SlotShare,
    int Priority = 0,
    bool OptOut = false,
    DateTimeOffset? LastMovedAt = null,
    bool Moving = false,
    bool Pinned = false,
    bool Measured = false)
{
    public double Share(PressureResource resource) => resource switch
    {
        PressureResource.Cpu => CpuShare,
        PressureResource.Memory => MemoryShare,
        _ => SlotShare,
    };

    /// <summary>Whether it moved less than <paramref name="cooldown"/> before <paramref name="now"/>.</summary>
    public bool Cooling(DateTimeOffset now, TimeSpan cooldown) => LastMovedAt is { } at && now - at < cooldown;
}
