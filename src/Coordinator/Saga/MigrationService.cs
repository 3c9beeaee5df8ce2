using System.Runtime.CompilerServices;
using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Saga;

/// <summary>
/// The client side of migrations: checks a request, locks the workload, negotiates with the
/// destination (a refusal ends it here, before anything moves), then hands it to the runner.
/// </summary>
public sealed partial class MigrationService(
    IOrchestratorAdapter adapter,
    EngineClients engines,
    PeerClients peers,
    MigrationJournal journal,
    MigrationTracker tracker,
    MigrationEvents events,
    MigrationRunner runner,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<MigrationService> logger)
{
    private CoordinatorOptions Options => options.Value;

    public async Task<Migration> MigrateAsync(MigrateRequest request, CancellationToken ct)
    {
        var workload = WorkloadId.TryParse(request.Workload)
            ?? throw FederationException.InvalidArgument($"workload '{request.Workload}' is not NAMESPACE/NAME");
        Names.CheckAppName(workload.Namespace, "namespace");
        Names.CheckAppName(workload.Name, "workload name");
        if (string.IsNullOrWhiteSpace(request.Destination)) throw FederationException.InvalidArgument("destination cluster is empty");
        if (request.Destination == Options.Cluster)
            throw FederationException.InvalidArgument($"{workload} already runs in cluster '{Options.Cluster}'");
        var peer = peers.For(request.Destination);
        var requested = request.Options ?? new MigrationOptions();
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
            },
            CreatedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        };
        if (!journal.TryBegin(migration))
            throw new FederationException(FederationError.Aborted,
                $"workload {workload} is already moving (migration {journal.ActiveMigrationOf(workload) ?? "?"})");
        tracker.EnterPhase(migration, MigrationPhase.Negotiate, $"negotiating with cluster '{request.Destination}'");

        try
        {
            var engine = engines.For(source.EngineEndpoint);
            var app = await engine.GetAppAsync(new GetAppRequest { Name = workload.Name }, cancellationToken: ct);
            if (app.State != AppState.Running)
                throw FederationException.FailedPrecondition($"workload {workload} is {app.State}, not running");
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

    public Migration Get(string id) =>
        journal.Get(CheckId(id)) ?? throw FederationException.NotFound($"migration '{id}' is not known to cluster '{Options.Cluster}'");

    public IReadOnlyList<Migration> List() => journal.List();

    public Migration Cancel(string id)
    {
        var migration = Get(id);
        if (MigrationPhases.IsFinished(migration.Phase))
            throw FederationException.FailedPrecondition($"migration {id} has already ended ({MigrationPhases.Display(migration.Phase)})");
        if (journal.Steps(id).Any(s => s.Step == SagaSteps.Commit))
            throw FederationException.FailedPrecondition($"migration {id} has committed: it can only finish now");
        if (!runner.RequestCancel(id))
            throw FederationException.FailedPrecondition($"migration {id} is being recovered: it will end by itself");
        migration.CancelRequested = true;
        return migration;
    }

    /// <summary>The migration as it is now, then its events until it ends.</summary>
    public async IAsyncEnumerable<MigrationEvent> WatchAsync(string id, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = events.Subscribe(CheckId(id), out var subscription);
        using (subscription)
        {
            var current = Get(id);
            var done = MigrationPhases.IsFinished(current.Phase);
            yield return new MigrationEvent
            {
                MigrationId = id,
                Phase = current.Phase,
                Message = done ? $"migration has ended: {MigrationPhases.Display(current.Phase)}" : "watching",
                At = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
                Migration = current,
                Terminal = done,
            };
            if (done) yield break;
            await foreach (var e in reader.ReadAllAsync(ct))
            {
                yield return e;
                if (e.Terminal) yield break;
            }
        }
    }

    public async Task<IReadOnlyList<Workload>> ListWorkloadsAsync(CancellationToken ct)
    {
        var workloads = await adapter.ListWorkloadsAsync(ct);
        return workloads.Select(w => WorkloadMessages.From(w, Options.Cluster, w.Role == Adapters.WorkloadRole.Target ? w.MigrationId : journal.ActiveMigrationOf(w.Id))).ToList();
    }

    public async Task<Workload> DeployAsync(DeployRequest request, CancellationToken ct)
    {
        if (request.Ref is null || request.Spec is null) throw FederationException.InvalidArgument("deploy needs a workload and an app spec");
        var id = new WorkloadId(request.Ref.Namespace is { Length: > 0 } ns ? ns : WorkloadId.DefaultNamespace, request.Ref.Name);
        Names.CheckAppName(id.Namespace, "namespace");
        Names.CheckAppName(id.Name, "workload name");
        if (request.Spec.Name != id.Name) throw FederationException.InvalidArgument($"app name '{request.Spec.Name}' must be the workload name '{id.Name}'");
        Names.CheckImageReference(request.Spec.Image);
        var deployed = await adapter.DeployAsync(id, request.Spec, ct);
        return WorkloadMessages.From(deployed, Options.Cluster, null);
    }

    public async Task<ListPeersResponse> ListPeersAsync(CancellationToken ct)
    {
        var response = new ListPeersResponse { Cluster = Options.Cluster };
        foreach (var (name, address) in peers.Peers.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var peer = new Peer { Name = name, Address = address };
            try
            {
                await peers.For(name).HeartbeatAsync(new HeartbeatRequest { SourceCluster = Options.Cluster },
                    deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: ct);
                peer.Reachable = true;
                peer.Detail = "ok";
            }
            catch (RpcException e)
            {
                peer.Detail = ErrorMappingInterceptor.OneLine($"{e.StatusCode}: {e.Status.Detail}");
            }
            response.Peers.Add(peer);
        }
        return response;
    }

    private (FederationError, string) Refusal(Exception e, string destination) => e switch
    {
        FederationException fe => (fe.Error, fe.Message),
        RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded } r =>
            (FederationError.Unavailable, $"cluster '{destination}' is unreachable: {r.Status.Detail}"),
        RpcException { StatusCode: StatusCode.FailedPrecondition } r =>
            (FederationError.FailedPrecondition, $"cluster '{destination}' refused the migration: {r.Status.Detail}"),
        RpcException r => (FederationError.FailedPrecondition, $"negotiation with cluster '{destination}' failed: {r.Status.Detail}"),
        _ => (FederationError.Internal, e.Message),
    };

    private static string CheckId(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw FederationException.InvalidArgument($"migration id '{(id.Length > 64 ? id[..64] : id)}' is malformed");
        return id;
    }

    private static string NewId() => "m" + Guid.NewGuid().ToString("N")[..10];

    [LoggerMessage(Level = LogLevel.Information, Message = "migration of {Workload} to {Destination} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string workload, string destination, string reason);
}
