using Federation.V1;

namespace Federation.Adapters;

/// <summary>
/// The coordinator's only way into an orchestrator. A workload is one migratable runtime (the
/// runtime container with its Engine and Ambassador) running one app. Every method is safe to repeat:
/// the migration saga calls them again after a crash.
/// </summary>
public interface IOrchestratorAdapter
{
    /// <summary>"docker", "kubernetes", "k3s", "marathon".</summary>
    string Kind { get; }

    /// <summary>What a runtime of this cluster would be: versions, architecture, dirty tracking, free capacity.</summary>
    Task<NodeCapabilities> DescribeAsync(CancellationToken ct);

    Task<IReadOnlyList<WorkloadInfo>> ListWorkloadsAsync(CancellationToken ct);

    /// <summary>The workload, or null when this cluster does not run it.</summary>
    Task<WorkloadInfo?> GetWorkloadAsync(WorkloadId id, CancellationToken ct);

    /// <summary>Starts the app actively with a stable client address (what a deploy through the orchestrator does).</summary>
    Task<WorkloadInfo> DeployAsync(WorkloadId id, AppSpec spec, CancellationToken ct);

    /// <summary>Creates a passive runtime for the app that waits for a restore. Returns the existing target when repeated.</summary>
    /// <param name="home">Where the workload's stable address lives when another cluster holds it; null when this cluster does (it came home) or there is none.</param>
    Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, CancellationToken ct);

    /// <summary>Waits until the workload's Engine answers (and, for active workloads, the app runs).</summary>
    Task<WorkloadInfo> WaitReadyAsync(WorkloadId id, TimeSpan timeout, CancellationToken ct);

    /// <summary>A restored target becomes the workload itself.</summary>
    Task PromoteTargetAsync(WorkloadId id, CancellationToken ct);

    /// <summary>The stable address this cluster holds for the workload, wherever the workload runs now; null if it holds none.</summary>
    Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct);

    /// <summary>New client connections wait (they are not refused) until <see cref="SwitchTrafficAsync"/> or <see cref="ReleaseTrafficAsync"/>.</summary>
    Task HoldTrafficAsync(WorkloadId id, CancellationToken ct);

    /// <summary>Points the workload's stable address (held by this cluster, wherever the workload runs) at new backends (container port -> "host:port") and lets held connections through.</summary>
    Task SwitchTrafficAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct);

    /// <summary>Ends a hold without switching: held connections go to the backends they had (a rollback).</summary>
    Task ReleaseTrafficAsync(WorkloadId id, CancellationToken ct);

    /// <summary>Removes the workload's runtime. A stable address switched elsewhere keeps forwarding.</summary>
    Task DeleteWorkloadAsync(WorkloadId id, CancellationToken ct);

    /// <summary>Workloads appearing, changing and disappearing, from now on, until cancelled.</summary>
    IAsyncEnumerable<WorkloadEvent> WatchAsync(CancellationToken ct);
}
