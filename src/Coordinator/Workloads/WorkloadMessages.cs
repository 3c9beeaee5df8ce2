using Federation.Adapters;
using Federation.V1;

namespace Federation.Coordinator.Workloads;

/// <summary>Adapter workloads as the API shows them.</summary>
public static class WorkloadMessages
{
    /// <param name="condition">What the coordinator noticed about the runtime outside a migration (<see cref="WorkloadConditions"/>).</param>
    public static Workload From(WorkloadInfo info, string cluster, string? lockedBy, string condition = "")
    {
        var workload = new Workload
        {
            Ref = new V1.WorkloadRef { Namespace = info.Id.Namespace, Name = info.Id.Name },
            Cluster = cluster,
            Role = info.Role == Adapters.WorkloadRole.Target ? V1.WorkloadRole.Target : V1.WorkloadRole.Active,
            AppState = AppState.Unspecified,
            Image = info.Image,
            StableAddress = info.StableAddress ?? "",
            LockedBy = lockedBy ?? "",
            HomeCluster = info.HomeCluster ?? (info.StableAddress is null ? "" : cluster),
            Condition = condition,
        };
        foreach (var (port, endpoint) in info.AppEndpoints) workload.AppEndpoints[(uint)port] = endpoint;
        return workload;
    }
}
