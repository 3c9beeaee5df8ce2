using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Requests;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Traffic;

/// <summary>
/// The traffic steps of a migration as the workload's home cluster takes them: this cluster's traffic
/// switch holds the stable address of a workload that runs, or is moving, elsewhere, and the
/// coordinator of the cluster it moves away from (<see cref="SourceSideTraffic"/>) asks to hold, switch
/// or release it. Each request is journaled under the migration's id before the traffic switch acts and is
/// safe to repeat; a switch or release needs a hold of the same migration and workload first. Only the cluster the
/// workload runs in may ask (<see cref="WorkloadLocation"/>: this cluster from the deploy on, then each switch's
/// destination); anyone else is refused before anything is held.
/// </summary>
public sealed partial class HomeSideTraffic(
    ITrafficSwitch traffic,
    MigrationJournal journal,
    IOptions<CoordinatorOptions> options,
    ILogger<HomeSideTraffic> logger)
{
    private string Cluster => options.Value.Cluster;

    public async Task<TrafficResponse> HoldAsync(HoldTrafficRequest request, PeerCaller caller, CancellationToken ct)
    {
        var workload = Check(request.MigrationId, request.SourceCluster, request.Workload);
        RequireParty(caller, request.MigrationId, request.SourceCluster, workload);
        var address = await StableAddressAsync(workload, ct);
        var steps = Steps(request.MigrationId);
        if (steps.Any(s => s.Step == TrafficSteps.Hold && s.Detail != workload.ToString()))
            throw FederationException.FailedPrecondition($"migration {request.MigrationId} holds another workload's traffic here");
        if (steps.Any(s => s.Step is TrafficSteps.Switch or TrafficSteps.Release))
            throw FederationException.FailedPrecondition($"migration {request.MigrationId} has already switched or released the traffic of {workload} here");
        journal.AppendStep(request.MigrationId, TrafficSteps.Hold, StepStatus.Begun, workload.ToString());
        await traffic.HoldAsync(workload, ct);
        journal.AppendStep(request.MigrationId, TrafficSteps.Hold, StepStatus.Done, workload.ToString());
        LogHeld(logger, request.MigrationId, workload.ToString(), address, request.SourceCluster);
        return new TrafficResponse { StableAddress = address };
    }

    /// <summary>Points the stable address at the destination's backends; the destination is where the workload runs from now on.</summary>
    public async Task<TrafficResponse> SwitchAsync(SwitchTrafficRequest request, PeerCaller caller, CancellationToken ct)
    {
        var workload = Check(request.MigrationId, request.SourceCluster, request.Workload);
        RequestChecks.Cluster(request.DestinationCluster, "destination cluster");
        RequireParty(caller, request.MigrationId, request.SourceCluster, workload);
        if (request.Backends.Count == 0) throw FederationException.InvalidArgument("no backends to switch to");
        foreach (var backend in request.Backends.Values) RequestChecks.Backend(backend);
        var address = await StableAddressAsync(workload, ct);
        var steps = HeldSteps(request.MigrationId, workload);
        if (steps.Any(s => s.Step == TrafficSteps.Release))
            throw FederationException.FailedPrecondition($"migration {request.MigrationId} has released its hold of {workload} here: it was rolled back");
        var backends = request.Backends.ToDictionary(kv => (int)kv.Key, kv => kv.Value);
        var detail = string.Join(",", backends.OrderBy(b => b.Key).Select(b => $"{b.Key}={b.Value}"));
        journal.AppendStep(request.MigrationId, TrafficSteps.Switch, StepStatus.Begun, detail);
        await traffic.SwitchAsync(workload, backends, ct);
        journal.PutLocation(new WorkloadLocation(workload, request.DestinationCluster, request.MigrationId, request.SourceCluster));
        journal.AppendStep(request.MigrationId, TrafficSteps.Switch, StepStatus.Done, detail);
        LogSwitched(logger, request.MigrationId, workload.ToString(), address, detail);
        return new TrafficResponse { StableAddress = address };
    }

    public async Task<TrafficResponse> ReleaseAsync(ReleaseTrafficRequest request, PeerCaller caller, CancellationToken ct)
    {
        var workload = Check(request.MigrationId, request.SourceCluster, request.Workload);
        RequireParty(caller, request.MigrationId, request.SourceCluster, workload);
        var address = await StableAddressAsync(workload, ct);
        var steps = HeldSteps(request.MigrationId, workload);
        if (steps.Any(s => s.Step == TrafficSteps.Switch))
            throw FederationException.FailedPrecondition($"migration {request.MigrationId} has switched the traffic of {workload} here: there is no hold to release");
        journal.AppendStep(request.MigrationId, TrafficSteps.Release, StepStatus.Begun, workload.ToString());
        await traffic.ReleaseAsync(workload, ct);
        journal.AppendStep(request.MigrationId, TrafficSteps.Release, StepStatus.Done, workload.ToString());
        LogReleased(logger, request.MigrationId, workload.ToString(), address);
        return new TrafficResponse { StableAddress = address };
    }

    /// <summary>
    /// Refuses (PermissionDenied) a caller that is not the source it names, or not the cluster this home knows the workload
    /// to run in (for a repeat: the one the same migration moved it from). An unnamed caller under --insecure is not asked.
    /// </summary>
    private void RequireParty(PeerCaller caller, string migrationId, string sourceCluster, WorkloadId workload)
    {
        caller.MustBe(sourceCluster, $"move traffic for source cluster '{sourceCluster}'");
        if (caller.Cluster is not { } cluster) return;
        var location = journal.GetLocation(workload)
            ?? throw caller.Denied($"move the traffic of {workload}: cluster '{Cluster}' does not know it to run anywhere");
        if (!location.IsMovingAwayFrom(cluster, migrationId))
            throw caller.Denied($"move the traffic of {workload}: it runs in cluster '{location.Cluster}'");
    }

    private async Task<string> StableAddressAsync(WorkloadId workload, CancellationToken ct) =>
        await traffic.GetStableAddressAsync(workload, ct)
        ?? throw FederationException.NotFound($"cluster '{Cluster}' holds no stable address for workload {workload}");

    private IReadOnlyList<JournalStep> Steps(string migrationId) =>
        journal.Steps(migrationId).Where(s => s.Step is TrafficSteps.Hold or TrafficSteps.Switch or TrafficSteps.Release).ToList();

    private IReadOnlyList<JournalStep> HeldSteps(string migrationId, WorkloadId workload)
    {
        var steps = Steps(migrationId);
        if (!steps.Any(s => s.Step == TrafficSteps.Hold && s.Detail == workload.ToString()))
            throw FederationException.NotFound($"migration {migrationId} holds no traffic of {workload} in cluster '{Cluster}'");
        return steps;
    }

    private static WorkloadId Check(string migrationId, string sourceCluster, V1.WorkloadRef? reference)
    {
        RequestChecks.MigrationId(migrationId);
        RequestChecks.Cluster(sourceCluster, "source cluster");
        return RequestChecks.Workload(reference);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: holding {Workload} at {Address} for cluster {Source}")]
    private static partial void LogHeld(ILogger logger, string migration, string workload, string address, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: {Workload} at {Address} now goes to {Backends}")]
    private static partial void LogSwitched(ILogger logger, string migration, string workload, string address, string backends);

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: hold of {Workload} at {Address} released")]
    private static partial void LogReleased(ILogger logger, string migration, string workload, string address);
}
