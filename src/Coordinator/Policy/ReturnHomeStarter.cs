using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Requests;
using Federation.Coordinator.Saga;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Policy;

/// <summary>
/// The side of a bring-home that runs where the workload runs now: the workload's home cluster, whose policy decided it should
/// come back, asks (<c>CoordinatorPeer.ReturnHome</c>). This cluster checks that the workload runs here and is not moving, that
/// the caller is its home, that it is not pinned here, and that its own guards allow one more migration out of here; then it
/// starts the same migration a manual move does (<see cref="MigrationStarter"/>), to the home, marked as started by the
/// home's policy with the home's reason. Every refusal is one line.
/// </summary>
public sealed partial class ReturnHomeStarter(
    IOrchestratorAdapter adapter,
    MigrationJournal journal,
    MigrationStarter starter,
    PolicyStore policy,
    WorkloadPins pins,
    IOptions<CoordinatorOptions> options,
    ILogger<ReturnHomeStarter> logger)
{
    private string Cluster => options.Value.Cluster;

    public async Task<ReturnHomeResponse> StartAsync(ReturnHomeRequest request, PeerCaller caller, CancellationToken ct)
    {
        var home = RequestChecks.Cluster(request.HomeCluster, "home cluster");
        var workload = RequestChecks.Workload(request.Workload);
        caller.MustBe(home, $"ask for workloads to come home to cluster '{home}'");
        if (home == Cluster) throw FederationException.InvalidArgument($"{workload} cannot come home to cluster '{Cluster}' from itself");

        var running = await adapter.GetWorkloadAsync(workload, ct)
            ?? throw FederationException.NotFound($"workload {workload} does not run in cluster '{Cluster}'");
        if (running.Role != Adapters.WorkloadRole.Active)
            throw FederationException.FailedPrecondition($"workload {workload} is a migration target in cluster '{Cluster}', not a running workload");
        var knownHome = running.HomeCluster ?? Cluster;
        if (knownHome != home) throw caller.Denied($"bring {workload} home: its home is cluster '{knownHome}'");
        if (journal.ActiveMigrationOf(workload) is { } moving)
            throw FederationException.FailedPrecondition($"workload {workload} is already moving (migration {moving})");
        if (pins.Get(workload) is { } pin)
            throw FederationException.FailedPrecondition($"workload {workload} is pinned to cluster '{Cluster}' ({pin.Describe()})");
        var guards = policy.Current.Policy.Guards;
        var inFlight = journal.List().Count(m => m.SourceCluster == Cluster && !MigrationPhases.IsFinished(m.Phase));
        if (inFlight >= guards.MaxConcurrentMigrations)
            throw FederationException.FailedPrecondition(
                $"{inFlight} migration(s) out of cluster '{Cluster}' under way, at most {guards.MaxConcurrentMigrations} (its guards)");

        // One line, control characters escaped, bounded: it is the caller's text.
        var reason = ErrorMappingInterceptor.OneLine(request.Reason);
        var migration = await starter.MigrateAsync(new MigrateRequest { Workload = workload.ToString(), Destination = home }, ct,
            $"policy return of cluster '{home}': {reason}");
        LogStarted(logger, workload.ToString(), home, migration.Id);
        return new ReturnHomeResponse { MigrationId = migration.Id, SourceCluster = Cluster };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Workload} goes home to cluster {Home} as its policy asked: migration {Migration}")]
    private static partial void LogStarted(ILogger logger, string workload, string home, string migration);
}
