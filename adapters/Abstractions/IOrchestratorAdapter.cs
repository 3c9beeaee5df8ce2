using Federation.V1;

namespace Federation.Adapters;

/// <summary>
/// The coordinator's only way into an orchestrator (Docker host, Kubernetes, K3s, Marathon): it places,
/// starts, lists and removes runtimes. A workload is one migratable runtime (the runtime container with
/// its Engine and Ambassador) running one app. The coordinator talks to the runtime's Engine itself
/// (through <see cref="IRuntimeEngines"/>) and moves client traffic through <see cref="ITrafficSwitch"/>.
/// What the migration saga calls (passive targets, promote, delete) is safe to repeat: it calls them
/// again after a crash; a deploy refuses a workload that exists (AlreadyExists). Failures that a person
/// should read are <see cref="FederationException"/>s with a one-line message.
/// </summary>
public interface IOrchestratorAdapter
{
    /// <summary>"docker", "kubernetes", "k3s", "marathon": the value of the coordinator's adapter kind setting.</summary>
    string Kind { get; }

    /// <summary>
    /// Where a new runtime for <paramref name="spec"/> would run (the node the orchestrator would pick),
    /// what a runtime on that node describes itself as, and the room left there. Creates nothing.
    /// </summary>
    Task<PlacementOffer> OfferPlacementAsync(AppSpec spec, CancellationToken ct);

    /// <summary>
    /// The cluster's room now (memory, CPU, workload slots), for membership heartbeats and offload pressure. Creates nothing.
    /// An adapter that does not report it answers <see cref="CapacityReport.Unknown"/> with the reason (the default).
    /// </summary>
    Task<CapacityReport> GetCapacityAsync(CancellationToken ct) =>
        Task.FromResult(CapacityReport.Unknown($"the {Kind} adapter does not report capacity yet"));

    Task<IReadOnlyList<WorkloadInfo>> ListWorkloadsAsync(CancellationToken ct);

    /// <summary>The workload, or null when this cluster does not run it.</summary>
    Task<WorkloadInfo?> GetWorkloadAsync(WorkloadId id, CancellationToken ct);

    /// <summary>Starts the app actively and returns it once it serves (what a deploy through the orchestrator does).</summary>
    Task<WorkloadInfo> DeployAsync(WorkloadId id, AppSpec spec, CancellationToken ct);

    /// <summary>Creates a passive runtime for the app that waits for a restore. Returns the existing target when repeated.</summary>
    /// <param name="home">Where the workload's stable address lives when another cluster holds it; null when this cluster does (it came home) or there is none.</param>
    Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, CancellationToken ct);

    /// <summary>The same, telling <paramref name="steps"/> what the preparation spent where (reported in the migration's events).</summary>
    Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, StepTimes steps, CancellationToken ct) =>
        CreatePassiveTargetAsync(id, spec, migrationId, home, ct);

    /// <summary>A restored target becomes the workload itself: the orchestrator owns and heals it from now on.</summary>
    Task PromoteTargetAsync(WorkloadId id, CancellationToken ct);

    /// <summary>True when the orchestrator itself replaces a workload's runtime that died (a Kubernetes controller, Marathon); the coordinator then only reports it.</summary>
    bool HealsWorkloads { get; }

    /// <summary>
    /// Replaces the dead runtime of an active workload with a fresh one that runs the app from its image,
    /// at the same endpoints where the orchestrator allows it. The app's memory is lost, as with any restart.
    /// Called by the coordinator only when <see cref="HealsWorkloads"/> is false and no migration holds the workload.
    /// </summary>
    Task<WorkloadInfo> RecreateAsync(WorkloadId id, CancellationToken ct);

    /// <summary>Removes the workload's runtime (and its stable address when that still leads only to it).</summary>
    Task DeleteWorkloadAsync(WorkloadId id, CancellationToken ct);

    /// <summary>Workloads appearing, changing and disappearing, from now on, until cancelled.</summary>
    IAsyncEnumerable<WorkloadEvent> WatchAsync(CancellationToken ct);
}
