using Federation.Adapters;

namespace Federation.Coordinator.Signals;

/// <summary>A capacity report as a pressure sample (CPU load over CPUs capped at 1, memory in use, workloads over slots).</summary>
public static class PressureOf
{
    public static PressureSample Sample(DateTimeOffset at, CapacityReport capacity) =>
        new(at, capacity.CpuUsed is { } cpu ? Math.Clamp(cpu, 0, 1) : null, capacity.MemoryPressure, capacity.WorkloadPressure);
}
