using Federation.Adapters;
using Federation.V1;

namespace Federation.Coordinator.Journal;

/// <summary>A passive target this (destination) cluster holds for another cluster's migration.</summary>
public sealed record TargetRecord(
    string MigrationId,
    WorkloadId Workload,
    string SourceCluster,
    TargetState State,
    AppSpec Spec,
    DateTimeOffset LastHeartbeat);
