using Federation.Adapters;
using Federation.V1;

namespace Federation.Coordinator.Membership;

/// <summary>An adapter's <see cref="CapacityReport"/> as the wire carries it.</summary>
public static class CapacityMessages
{
    public static ClusterCapacity ToMessage(CapacityReport report)
    {
        var message = new ClusterCapacity { Cpus = report.Cpus, Workloads = (uint)Math.Max(0, report.Workloads), Detail = report.Detail };
        if (report.MemoryTotalBytes is { } total) message.MemoryTotalBytes = total;
        if (report.MemoryFreeBytes is { } free) message.MemoryFreeBytes = free;
        if (report.CpuUsed is { } cpu) message.CpuUsed = cpu;
        if (report.WorkloadSlotsFree is { } slots) message.WorkloadSlotsFree = (uint)slots;
        return message;
    }

    public static CapacityReport FromMessage(ClusterCapacity message) => new(
        message.HasMemoryTotalBytes ? message.MemoryTotalBytes : null,
        message.HasMemoryFreeBytes ? message.MemoryFreeBytes : null,
        message.Cpus,
        message.HasCpuUsed ? message.CpuUsed : null,
        (int)message.Workloads,
        message.HasWorkloadSlotsFree ? (int)(message.Workloads + message.WorkloadSlotsFree) : null,
        message.Detail);
}
