using System.Collections.Concurrent;
using Federation.Adapters;

namespace Federation.Coordinator.Workloads;

/// <summary>What the coordinator noticed about each workload's runtime outside a migration, as <c>fedctl workloads</c> shows it. Kept in memory.</summary>
public sealed class WorkloadConditions
{
    private readonly ConcurrentDictionary<WorkloadId, string> conditions = new();

    public string Of(WorkloadId id) => conditions.GetValueOrDefault(id, "");

    public void Set(WorkloadId id, string condition) => conditions[id] = condition;

    public void Clear(WorkloadId id) => conditions.TryRemove(id, out _);
}
