using Federation.Adapters;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Requests;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Traffic;

/// <summary>
/// The home cluster's side of a workload deleted where it runs now: the cluster deleting it asks this one, which holds
/// its stable address, to close that address. It is closed only when it leads only to the backends named (the app
/// endpoints of the runtime being deleted), so a late or stray request closes nothing a workload still uses; a workload
/// that runs in this cluster keeps its address. Safe to repeat.
/// </summary>
public sealed partial class StableAddressClosure(
    ITrafficSwitch traffic,
    IOrchestratorAdapter adapter,
    MigrationJournal journal,
    IOptions<CoordinatorOptions> options,
    ILogger<StableAddressClosure> logger)
{
    private string Cluster => options.Value.Cluster;

    /// <remarks>Only the cluster this home knows the workload to run in may ask (<see cref="WorkloadLocation"/>).</remarks>
    public async Task<CloseStableAddressResponse> CloseAsync(CloseStableAddressRequest request, PeerCaller caller, CancellationToken ct)
    {
        RequestChecks.Cluster(request.SourceCluster, "source cluster");
        var workload = RequestChecks.Workload(request.Workload);
        caller.MustBe(request.SourceCluster, $"close stable addresses for cluster '{request.SourceCluster}'");
        if (caller.Cluster is { } cluster && journal.GetLocation(workload) is { } location && location.Cluster != cluster)
            throw caller.Denied($"close the stable address of {workload}: it runs in cluster '{location.Cluster}'");
        if (request.Backends.Count == 0) throw FederationException.InvalidArgument("no backends given: the deleted runtime's app endpoints are needed");
        foreach (var backend in request.Backends.Values) RequestChecks.Backend(backend);
        if (await adapter.GetWorkloadAsync(workload, ct) is not null)
            throw FederationException.FailedPrecondition($"workload {workload} runs in cluster '{Cluster}': its stable address stays");
        var address = await traffic.GetStableAddressAsync(workload, ct);
        if (address is null) return new CloseStableAddressResponse();
        var closed = await traffic.CloseIfOnlyLeadingToAsync(workload, request.Backends.Values.ToHashSet(), ct);
        if (closed) LogClosed(logger, workload.ToString(), address, request.SourceCluster);
        else LogKept(logger, workload.ToString(), address, request.SourceCluster);
        return new CloseStableAddressResponse { Closed = closed, StableAddress = address };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "stable address {Address} of {Workload} closed: cluster {Source} deleted the workload")]
    private static partial void LogClosed(ILogger logger, string workload, string address, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stable address {Address} of {Workload} kept: cluster {Source} deleted a runtime it no longer leads to")]
    private static partial void LogKept(ILogger logger, string workload, string address, string source);
}
