using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Workloads;

/// <summary>The workloads of this cluster as the adapter sees them, each with the migration that holds it, if any, and what was noticed about its runtime.</summary>
public sealed class WorkloadListing(IOrchestratorAdapter adapter, MigrationJournal journal, WorkloadConditions conditions, IOptions<CoordinatorOptions> options)
{
    public async Task<IReadOnlyList<Workload>> ListAsync(CancellationToken ct)
    {
        var workloads = await adapter.ListWorkloadsAsync(ct);
        return workloads.Select(w => WorkloadMessages.From(w, options.Value.Cluster,
            w.Role == Adapters.WorkloadRole.Target ? w.MigrationId : journal.ActiveMigrationOf(w.Id), conditions.Of(w.Id))).ToList();
    }
}
