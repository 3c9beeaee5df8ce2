using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.Coordinator.Requests;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Saga;

/// <summary>
/// Starts a migration asked for by a client: checks the request, locks the workload, negotiates with
/// the destination (a refusal ends it here, before anything moves), then hands it to the runner.
/// </summary>
public sealed partial class MigrationStarter(
    IOrchestratorAdapter adapter,
    RuntimeEngines engines,
    PeerClients peers,
    Membership.PeerMembership membership,
    Membership.HeartbeatExchange heartbeats,
    MigrationJournal journal,
    MigrationTracker tracker,
    MigrationRunner runner,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<MigrationStarter> logger)
{
    private CoordinatorOptions Options => options.Value;

    /// <param name="initiatedBy">Empty for an operator's request; a policy's decision names itself and its reason (kept with the migration and in its first event).</param>
    public async Task<Migration> MigrateAsync(MigrateRequest request, CancellationToken ct, string initiatedBy = "")
    {
        var workload = RequestChecks.Workload(WorkloadId.TryParse(request.Workload)
            ?? throw FederationException.InvalidArgument($"workload '{request.Workload}' is not NAMESPACE/NAME"));
        if (string.IsNullOrWhiteSpace(request.Destination)) throw FederationException.InvalidArgument("destination cluster is empty");
        if (request.Destination == Options.Cluster)
            throw FederationException.InvalidArgument($"{workload} already runs in cluster '{Options.Cluster}'");
        var peer = peers.For(request.Destination);
        // An unreachable destination is asked once more now: one that is back takes the move at once, not at the next round.
        if (!membership.ViewOf(request.Destination).AcceptsMigrations) await heartbeats.SendAsync(request.Destination, ct);
        membership.EnsureAcceptsMigrations(request.Destination);
        var requested = request.Options ?? new MigrationOptions();
        if (!System.Enum.IsDefined(requested.PostCopy))
            throw FederationException.InvalidArgument($"post-copy mode {(int)requested.PostCopy} is not off (0), on (1) or auto (2)");
        var rounds = requested.HasPrecopyRounds ? requested.PrecopyRounds : Options.Migration.PrecopyRounds;
        if (rounds > Options.Migration.MaxPrecopyRounds)
            throw FederationException.InvalidArgument($"pre-copy rounds {rounds} is above the limit of {Options.Migration.MaxPrecopyRounds}");

        var source = await adapter.GetWorkloadAsync(workload, ct)
            ?? throw FederationException.NotFound($"workload {workload} is not in cluster '{Options.Cluster}'");
        if (source.Role != Adapters.WorkloadRole.Active)
            throw FederationException.FailedPrecondition($"workload {workload} is a migration target in cluster '{Options.Cluster}', not a running workload");

        // A workload without a stable address has no home to ask; one that came from elsewhere asks its home.
        var home = source.StableAddress is null ? "" : source.HomeCluster ?? Options.Cluster;
        if (home.Length > 0 && home != Options.Cluster && !peers.IsKnown(home))
            throw FederationException.FailedPrecondition($"the stable address of {workload} is held by cluster '{home}', which is not a peer of '{Options.Cluster}'");

        var migration = new Migration
        {
            Id = NewId(),
            HomeCluster = home,
            Workload = new V1.WorkloadRef { Namespace = workload.Namespace, Name = workload.Name },
            SourceCluster = Options.Cluster,
            DestinationCluster = request.Destination,
            Options = new MigrationOptions
            {
                PrecopyRounds = rounds,
                ConvergeBytes = requested.ConvergeBytes > 0 ? requested.ConvergeBytes : Options.Migration.ConvergeBytes,
                Transfer = requested.Transfer ?? new TransferOptions(),
                PostCopy = requested.PostCopy,
            },
            CreatedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            InitiatedBy = initiatedBy,
        };
        if (!journal.TryBegin(migration))
            throw new FederationException(FederationError.Aborted,
                $"workload {workload} is already moving (migration {journal.ActiveMigrationOf(workload) ?? "?"})");
        tracker.EnterPhase(migration, MigrationPhase.Negotiate, initiatedBy.Length == 0
            ? $"negotiating with cluster '{request.Destination}'"
            : $"negotiating with cluster '{request.Destination}' ({initiatedBy})");

        try
        {
            var engine = engines.For(source.EngineEndpoint);
            var app = await engine.GetAppAsync(new GetAppRequest { Name = workload.Name }, cancellationToken: ct);
            if (app.State != AppState.Running)
                throw FederationException.FailedPrecondition($"workload {workload} is {app.State}, not running");
            // The copy the destination restores is the next generation; the journal keeps it with the migration.
            migration.Generation = app.Generation + 1;
            var described = await engine.DescribeAsync(new DescribeRequest(), cancellationToken: ct);
            var negotiated = await peer.NegotiateAsync(new NegotiateRequest
            {
                MigrationId = migration.Id,
                SourceCluster = Options.Cluster,
                Workload = migration.Workload,
                Spec = app.Spec,
                SourceRuntime = described,
            }, deadline: DateTime.UtcNow.Add(Options.Migration.PeerCallTimeout), cancellationToken: ct);
            migration.PrecopyMode = PrecopyPolicy.ModeFor(rounds, negotiated.PreDumpPossible);
            migration.Negotiation = negotiated.Summary;
            tracker.Save(migration, $"cluster '{request.Destination}' accepts: {negotiated.Summary}");
        }
        catch (Exception e) when (e is RpcException or FederationException)
        {
            var (error, message) = Refusal(e, request.Destination);
            migration.Error = message;
            tracker.EnterPhase(migration, MigrationPhase.RolledBack, message);
            LogRefused(logger, workload.ToString(), request.Destination, message);
            throw new FederationException(error, message);
        }

        runner.Start(migration);
        return migration.Clone();
    }

    private static (FederationError, string) Refusal(Exception e, string destination) => e switch
    {
        FederationException fe => (fe.Error, fe.Message),
        RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded } r =>
            (FederationError.Unavailable, $"cluster '{destination}' is unreachable: {r.Status.Detail}"),
        RpcException { StatusCode: StatusCode.FailedPrecondition } r =>
            (FederationError.FailedPrecondition, $"cluster '{destination}' refused the migration: {r.Status.Detail}"),
        RpcException r => (FederationError.FailedPrecondition, $"negotiation with cluster '{destination}' failed: {r.Status.Detail}"),
        _ => (FederationError.Internal, e.Message),
    };

    private static string NewId() => "m" + Guid.NewGuid().ToString("N")[..10];

    [LoggerMessage(Level = LogLevel.Information, Message = "migration of {Workload} to {Destination} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string workload, string destination, string reason);
}
