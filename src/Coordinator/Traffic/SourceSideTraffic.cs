using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Traffic;

/// <summary>
/// The traffic steps of a migration as its source cluster takes them. The workload's stable address
/// lives in its home cluster: when that is this cluster, this cluster's traffic switch holds and
/// switches it; when the workload has moved here from its home, the home coordinator does, over the
/// peer API (served there by <see cref="HomeSideTraffic"/>). Either way the home learns where the workload runs after a
/// switch (<see cref="WorkloadLocation"/>): the next move's traffic requests must come from there.
/// </summary>
public sealed partial class SourceSideTraffic(
    ITrafficSwitch traffic,
    PeerClients peers,
    MigrationJournal journal,
    IOptions<CoordinatorOptions> options,
    ILogger<SourceSideTraffic> logger)
{
    /// <summary>The cluster whose coordinator holds the migrating workload's stable address.</summary>
    public static string HomeOf(Migration migration) =>
        string.IsNullOrEmpty(migration.HomeCluster) ? migration.SourceCluster : migration.HomeCluster;

    public bool IsHere(Migration migration) => HomeOf(migration) == options.Value.Cluster;

    public async Task HoldAsync(Migration migration, CancellationToken ct)
    {
        var workload = Workload(migration);
        if (IsHere(migration))
        {
            await traffic.HoldAsync(workload, ct);
            return;
        }
        await Home(migration).HoldTrafficAsync(new HoldTrafficRequest
        {
            MigrationId = migration.Id,
            SourceCluster = migration.SourceCluster,
            Workload = migration.Workload,
        }, deadline: Deadline(), cancellationToken: ct);
    }

    public async Task SwitchAsync(Migration migration, IReadOnlyDictionary<int, string> backends, CancellationToken ct)
    {
        var workload = Workload(migration);
        if (IsHere(migration))
        {
            await traffic.SwitchAsync(workload, backends, ct);
            journal.PutLocation(new WorkloadLocation(workload, migration.DestinationCluster, migration.Id, migration.SourceCluster));
            return;
        }
        var request = new SwitchTrafficRequest
        {
            MigrationId = migration.Id,
            SourceCluster = migration.SourceCluster,
            DestinationCluster = migration.DestinationCluster,
            Workload = migration.Workload,
        };
        foreach (var (port, backend) in backends) request.Backends[(uint)port] = backend;
        await Home(migration).SwitchTrafficAsync(request, deadline: Deadline(), cancellationToken: ct);
    }

    /// <summary>Ends the hold of a rolled-back migration; a home that never took the hold has nothing to release.</summary>
    public async Task ReleaseAsync(Migration migration, CancellationToken ct)
    {
        var workload = Workload(migration);
        if (IsHere(migration))
        {
            await traffic.ReleaseAsync(workload, ct);
            return;
        }
        try
        {
            await Home(migration).ReleaseTrafficAsync(new ReleaseTrafficRequest
            {
                MigrationId = migration.Id,
                SourceCluster = migration.SourceCluster,
                Workload = migration.Workload,
            }, deadline: Deadline(), cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            LogNothingHeld(logger, migration.Id, HomeOf(migration), e.Status.Detail);
        }
    }

    private CoordinatorPeer.CoordinatorPeerClient Home(Migration migration) => peers.For(HomeOf(migration));

    private DateTime Deadline() => DateTime.UtcNow.Add(options.Value.Migration.PeerCallTimeout);

    private static WorkloadId Workload(Migration migration) => new(migration.Workload.Namespace, migration.Workload.Name);

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: home cluster {Home} has no hold to release: {Reason}")]
    private static partial void LogNothingHeld(ILogger logger, string migration, string home, string reason);
}
