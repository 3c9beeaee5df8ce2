using Federation.Coordinator.Policy;

namespace Federation.Coordinator.Signals;

/// <summary>One cluster's pressure at one time, by resource (each 0..1; null: not known then).</summary>
public sealed record PressureSample(DateTimeOffset At, double? Cpu, double? Memory, double? Workloads)
{
    public double? Of(PressureResource resource) => resource switch
    {
        PressureResource.Cpu => Cpu,
        PressureResource.Memory => Memory,
        _ => Workloads,
    };
}
