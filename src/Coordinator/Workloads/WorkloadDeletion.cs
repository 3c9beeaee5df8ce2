using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.Coordinator.Requests;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Workloads;

/// <summary>
/// Deletes a workload of this cluster: its runtime through the adapter (containers, volume, and the stable address when
/// this cluster holds it and it leads only there). A workload that came from elsewhere has its stable address in its home
/// cluster, which is asked to close it first (<c>CloseStableAddress</c>); if the home cannot be asked, nothing is deleted.
/// A workload that a migration holds (as its source here, or as its target) is refused.
/// </summary>
public sealed partial class WorkloadDeletion(
    IOrchestratorAdapter adapter,
    ITrafficSwitch traffic,
    MigrationJournal journal,
    PeerClients peers,
    WorkloadConditions conditions,
    IOptions<CoordinatorOptions> options,
    ILogger<WorkloadDeletion> logger)
{
    private string Cluster => options.Value.Cluster;

    public async Task<DeleteWorkloadResponse> DeleteAsync(DeleteWorkloadRequest request, CancellationToken ct)
    {
        if (request.Workload is null) throw FederationException.InvalidArgument("delete needs a workload");
        var id = RequestChecks.Workload(new WorkloadId(request.Workload.Namespace is { Length: > 0 } ns ? ns : WorkloadId.DefaultNamespace, request.Workload.Name));
        var workload = await adapter.GetWorkloadAsync(id, ct)
            ?? throw FederationException.NotFound($"workload {id} is not in cluster '{Cluster}'");
        RefuseIfHeld(workload);

        var response = new DeleteWorkloadResponse
        {
            Workload = new V1.WorkloadRef { Namespace = id.Namespace, Name = id.Name },
            Cluster = Cluster,
        };
        // Where the stable address lives: null without one; this cluster unless the workload came from elsewhere.
        var home = workload.StableAddress is null ? null : workload.HomeCluster ?? Cluster;
        if (home is not null && home != Cluster && await CloseAtHomeAsync(workload, home, ct) is { Length: > 0 } closedThere)
        {
            response.ClosedStableAddress = closedThere;
            response.HomeCluster = home;
        }
        await adapter.DeleteWorkloadAsync(id, ct);
        conditions.Clear(id);
        // A pin goes with its workload: a later workload of the same name starts unpinned.
        journal.RemovePin(id);
        if (home == Cluster && await traffic.GetStableAddressAsync(id, ct) is null)
        {
            response.ClosedStableAddress = workload.StableAddress!;
            response.HomeCluster = Cluster;
        }
        LogDeleted(logger, id.ToString(), Cluster, response.ClosedStableAddress.Length > 0 ? $"{response.ClosedStableAddress} in cluster {response.HomeCluster}" : "none");
        return response;
    }

    private void RefuseIfHeld(WorkloadInfo workload)
    {
        if (workload.Role == Adapters.WorkloadRole.Target)
            throw FederationException.FailedPrecondition(
                $"workload {workload.Id} is the target of migration {workload.MigrationId} in cluster '{Cluster}': that migration decides what becomes of it");
        if (journal.ActiveMigrationOf(workload.Id) is { } migration)
            throw FederationException.FailedPrecondition(
                $"workload {workload.Id} is held by migration {migration}: cancel it or wait until it ends, then delete");
    }

    /// <summary>Asks the home cluster to close the workload's stable address; returns the address it closed, or "" when it kept none.</summary>
    private async Task<string> CloseAtHomeAsync(WorkloadInfo workload, string home, CancellationToken ct)
    {
        if (!peers.IsKnown(home))
            throw FederationException.FailedPrecondition(
                $"the stable address of {workload.Id} is held by cluster '{home}', which is not a peer of '{Cluster}': nothing was deleted");
        var request = new CloseStableAddressRequest
        {
            SourceCluster = Cluster,
            Workload = new V1.WorkloadRef { Namespace = workload.Id.Namespace, Name = workload.Id.Name },
        };
        foreach (var (port, endpoint) in workload.AppEndpoints) request.Backends[(uint)port] = endpoint;
        try
        {
            var answer = await peers.For(home).CloseStableAddressAsync(request,
                deadline: DateTime.UtcNow.Add(options.Value.Migration.PeerCallTimeout), cancellationToken: ct);
            if (!answer.Closed) LogStableAddressKept(logger, workload.Id.ToString(), home, answer.StableAddress);
            return answer.Closed ? answer.StableAddress : "";
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw FederationException.Unavailable($"cluster '{home}', which holds the stable address of {workload.Id}, is unreachable: nothing was deleted ({e.Status.Detail})");
        }
        catch (RpcException e)
        {
            throw FederationException.FailedPrecondition($"cluster '{home}' did not close the stable address of {workload.Id}: {e.Status.Detail}; nothing was deleted");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "workload {Workload} deleted from cluster {Cluster}; stable address closed: {Closed}")]
    private static partial void LogDeleted(ILogger logger, string workload, string cluster, string closed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "workload {Workload}: home cluster {Home} kept its stable address '{Address}' (it leads elsewhere, or there was none)")]
    private static partial void LogStableAddressKept(ILogger logger, string workload, string home, string address);
}
