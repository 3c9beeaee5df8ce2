using Federation.Adapters;

namespace Federation.Coordinator.Signals;

/// <summary>
/// What part of its cluster's pressure a workload accounts for, in the pressure's units (0..1): from its measured use when
/// there is one (cores over the cluster's CPUs, bytes over its memory), else its cluster's pressure split evenly among the
/// cluster's <paramref name="count"/> workloads. Pure.
/// </summary>
public static class WorkloadShares
{
    public static (double Cpu, double Memory) Of(UsageSmoother? usage, CapacityReport capacity, PressureSample sample, int count)
    {
        var n = Math.Max(1, count);
        var cpu = usage?.Cores is { } cores && capacity.Cpus > 0 ? Math.Clamp(cores / capacity.Cpus, 0, 1) : (sample.Cpu ?? 0) / n;
        var memory = usage?.MemoryBytes is { } bytes && capacity.MemoryTotalBytes is > 0 ? Math.Clamp(bytes / capacity.MemoryTotalBytes.Value, 0, 1)
            : (sample.Memory ?? 0) / n;
        return (cpu, memory);
    }
}
