using Federation.Coordinator.Peers;
using Federation.Coordinator.Policy;
using Federation.Coordinator.Saga;
using Federation.Coordinator.Workloads;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Services;

/// <summary>
/// The client API: argument plumbing over the classes that start, read and cancel migrations, deploy, list and delete workloads, ask
/// peers, show or set the offload policy, pin workloads and list events. Only operators get here (<see cref="Auth.OperatorAdmissionInterceptor"/>).
/// </summary>
public sealed class CoordinatorService(
    MigrationStarter starter,
    MigrationQueries queries,
    MigrationCancellation cancellation,
    WorkloadDeployment deployment,
    WorkloadListing listing,
    WorkloadDeletion deletion,
    PeerReachability peers,
    PolicyApi policy,
    WorkloadPins pins,
    ClusterEventLog events) : V1.Coordinator.CoordinatorBase
{
    public override async Task<MigrateResponse> Migrate(MigrateRequest request, ServerCallContext context)
    {
        var migration = await starter.MigrateAsync(request, context.CancellationToken);
        return new MigrateResponse { MigrationId = migration.Id, Migration = migration };
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<MigrationEvent> responseStream, ServerCallContext context)
    {
        await foreach (var e in queries.WatchAsync(request.MigrationId, context.CancellationToken))
            await responseStream.WriteAsync(e, context.CancellationToken);
    }

    public override Task<Migration> GetMigration(GetMigrationRequest request, ServerCallContext context) =>
        Task.FromResult(queries.Get(request.MigrationId));

    public override Task<ListMigrationsResponse> ListMigrations(ListMigrationsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListMigrationsResponse { Migrations = { queries.List() } });

    public override Task<Migration> CancelMigration(CancelMigrationRequest request, ServerCallContext context) =>
        Task.FromResult(cancellation.Cancel(request.MigrationId));

    public override async Task<ListWorkloadsResponse> ListWorkloads(ListWorkloadsRequest request, ServerCallContext context) =>
        new() { Workloads = { await listing.ListAsync(context.CancellationToken) } };

    public override Task<ListPeersResponse> ListPeers(ListPeersRequest request, ServerCallContext context) =>
        peers.ListAsync(context.CancellationToken);

    public override Task<Workload> Deploy(DeployRequest request, ServerCallContext context) =>
        deployment.DeployAsync(request, context.CancellationToken);

    public override Task<DeleteWorkloadResponse> DeleteWorkload(DeleteWorkloadRequest request, ServerCallContext context) =>
        deletion.DeleteAsync(request, context.CancellationToken);

    public override Task<PolicyStatus> GetPolicy(GetPolicyRequest request, ServerCallContext context) => Task.FromResult(policy.Get());

    public override Task<SetPolicyResponse> SetPolicy(SetPolicyRequest request, ServerCallContext context) => Task.FromResult(policy.Set(request));

    public override Task<PolicyExplanation> ExplainPolicy(ExplainPolicyRequest request, ServerCallContext context) => Task.FromResult(policy.Explain());

    public override async Task<PinnedWorkload> PinWorkload(PinWorkloadRequest request, ServerCallContext context) =>
        ClusterEventLog.Of(await pins.PinAsync(Requests.RequestChecks.Workload(request.Workload), request.Note, context.CancellationToken));

    public override Task<UnpinWorkloadResponse> UnpinWorkload(UnpinWorkloadRequest request, ServerCallContext context) =>
        Task.FromResult(new UnpinWorkloadResponse { WasPinned = pins.Unpin(Requests.RequestChecks.Workload(request.Workload)) });

    public override Task<ListEventsResponse> ListEvents(ListEventsRequest request, ServerCallContext context) =>
        Task.FromResult(events.List(request));
}
