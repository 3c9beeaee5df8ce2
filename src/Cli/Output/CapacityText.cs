using System.Globalization;
using Federation.V1;

namespace Federation.Cli.Output;

/// <summary>A cluster's capacity as table cells: free memory, free slots, CPU in use; "?" for what the cluster does not tell.</summary>
public static class CapacityText
{
    public static string FreeMemory(ClusterCapacity? capacity) =>
        capacity is { HasMemoryFreeBytes: true } ? Bytes(capacity.MemoryFreeBytes) : "?";

    public static string FreeSlots(ClusterCapacity? capacity) =>
        capacity is { HasWorkloadSlotsFree: true } ? capacity.WorkloadSlotsFree.ToString(CultureInfo.InvariantCulture) : "?";

    public static string CpuUsed(ClusterCapacity? capacity) =>
        capacity is { HasCpuUsed: true } ? capacity.CpuUsed.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal) : "?";

    public static string Bytes(ulong bytes) => bytes switch
    {
        >= 1UL << 30 => $"{(bytes / (double)(1UL << 30)).ToString("0.0", CultureInfo.InvariantCulture)}Gi",
        >= 1UL << 20 => $"{(bytes / (double)(1UL << 20)).ToString("0", CultureInfo.InvariantCulture)}Mi",
        _ => $"{bytes}B",
    };
}
