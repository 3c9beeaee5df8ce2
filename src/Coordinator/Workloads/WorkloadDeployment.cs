using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Requests;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Workloads;

/// <summary>
/// Deploys a workload in this cluster through its adapter, after checking the whole request. This cluster becomes the
/// workload's home, and the journal records that it runs here (<see cref="WorkloadLocation"/>).
/// </summary>
public sealed class WorkloadDeployment(IOrchestratorAdapter adapter, MigrationJournal journal, IOptions<CoordinatorOptions> options)
{
    public async Task<Workload> DeployAsync(DeployRequest request, CancellationToken ct)
    {
        if (request.Ref is null || request.Spec is null) throw FederationException.InvalidArgument("deploy needs a workload and an app spec");
        var id = new WorkloadId(request.Ref.Namespace is { Length: > 0 } ns ? ns : WorkloadId.DefaultNamespace, request.Ref.Name);
        RequestChecks.Workload(id);
        if (request.Spec.Name != id.Name) throw FederationException.InvalidArgument($"app name '{request.Spec.Name}' must be the workload name '{id.Name}'");
        // Everything a runtime would refuse is refused here, before anything is created.
        AppSpecValidator.Validate(request.Spec);
        var deployed = await adapter.DeployAsync(id, request.Spec, ct);
        journal.PutLocation(new WorkloadLocation(id, options.Value.Cluster, MovedBy: "", MovedFrom: ""));
        var workload = WorkloadMessages.From(deployed, options.Value.Cluster, null);
        // The adapter returns only once the app answers its Engine as running.
        workload.AppState = AppState.Running;
        return workload;
    }
}
