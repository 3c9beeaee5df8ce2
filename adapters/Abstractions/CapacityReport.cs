namespace Federation.Adapters;

/// <summary>
/// A cluster's room as its orchestrator tells it: what membership heartbeats carry to peers and what offload policies read as
/// pressure. A part the orchestrator does not tell is null; <see cref="Detail"/> then says why.
/// </summary>
/// <param name="MemoryTotalBytes">Memory of the node(s) runtimes run on.</param>
/// <param name="MemoryFreeBytes">Memory still available there.</param>
/// <param name="Cpus">CPUs there (0: not known).</param>
/// <param name="CpuUsed">CPU in use as a fraction of all CPUs (load over CPUs; may exceed 1).</param>
/// <param name="Workloads">Runtimes (workloads and migration targets) the cluster runs now.</param>
/// <param name="WorkloadSlotsTotal">How many runtimes the cluster takes in all.</param>
/// <param name="Detail">Empty when everything is known; otherwise one line on what is not and why.</param>
public sealed record CapacityReport(
    ulong? MemoryTotalBytes,
    ulong? MemoryFreeBytes,
    uint Cpus,
    double? CpuUsed,
    int Workloads,
    int? WorkloadSlotsTotal,
    string Detail)
{
    /// <summary>Nothing known: what an adapter that does not report capacity yet answers.</summary>
    public static CapacityReport Unknown(string why) => new(null, null, 0, null, 0, null, why);

    /// <summary>Memory in use as a fraction of the total; null when not known.</summary>
    public double? MemoryPressure => MemoryTotalBytes is > 0 && MemoryFreeBytes is { } free
        ? Math.Clamp(1.0 - (double)free / MemoryTotalBytes.Value, 0, 1) : null;

    /// <summary>Workloads as a fraction of the slots; null when the slots are not known.</summary>
    public double? WorkloadPressure => WorkloadSlotsTotal switch
    {
        null => null,
        0 => 1.0,
        var total => Math.Clamp((double)Workloads / total.Value, 0, 1),
    };

    /// <summary>Free workload slots; null when not known.</summary>
    public int? WorkloadSlotsFree => WorkloadSlotsTotal is { } total ? Math.Max(0, total - Workloads) : null;
}
