using Federation.Adapters;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Workloads;

/// <summary>
/// The workloads of this cluster as the adapter sees them, each with the migration that holds it, if any, what was
/// noticed about its runtime, and its app's state and generation as its Engine reports them now (an Engine that does
/// not answer leaves the state unspecified: nothing is reported that was not observed).
/// </summary>
public sealed class WorkloadListing(
    IOrchestratorAdapter adapter,
    RuntimeEngines engines,
    MigrationJournal journal,
    WorkloadConditions conditions,
    IOptions<CoordinatorOptions> options)
{
    private static readonly TimeSpan EngineAnswerTimeout = TimeSpan.FromSeconds(3);

    public async Task<IReadOnlyList<Workload>> ListAsync(CancellationToken ct)
    {
        var workloads = await adapter.ListWorkloadsAsync(ct);
        return await Task.WhenAll(workloads.Select(async w =>
        {
            var workload = WorkloadMessages.From(w, options.Value.Cluster,
                w.Role == Adapters.WorkloadRole.Target ? w.MigrationId : journal.ActiveMigrationOf(w.Id), conditions.Of(w.Id));
            if (w.Running && await ObserveAppAsync(w, ct) is { } app)
            {
                workload.AppState = app.State;
                workload.Generation = app.Generation;
            }
            return workload;
        }));
    }

    private async Task<App?> ObserveAppAsync(WorkloadInfo workload, CancellationToken ct)
    {
        try
        {
            return await engines.For(workload.EngineEndpoint).GetAppAsync(new GetAppRequest { Name = workload.Id.Name },
                deadline: DateTime.UtcNow.Add(EngineAnswerTimeout), cancellationToken: ct);
        }
        catch (RpcException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
