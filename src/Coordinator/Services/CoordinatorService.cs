using Federation.Coordinator.Saga;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Services;

/// <summary>The client API: argument plumbing over <see cref="MigrationService"/>.</summary>
public sealed class CoordinatorService(MigrationService migrations) : V1.Coordinator.CoordinatorBase
{
    public override async Task<MigrateResponse> Migrate(MigrateRequest request, ServerCallContext context)
    {
        var migration = await migrations.MigrateAsync(request, context.CancellationToken);
        return new MigrateResponse { MigrationId = migration.Id, Migration = migration };
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<MigrationEvent> responseStream, ServerCallContext context)
    {
        await foreach (var e in migrations.WatchAsync(request.MigrationId, context.CancellationToken))
            await responseStream.WriteAsync(e, context.CancellationToken);
    }

    public override Task<Migration> GetMigration(GetMigrationRequest request, ServerCallContext context) =>
        Task.FromResult(migrations.Get(request.MigrationId));

    public override Task<ListMigrationsResponse> ListMigrations(ListMigrationsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListMigrationsResponse { Migrations = { migrations.List() } });

    public override Task<Migration> CancelMigration(CancelMigrationRequest request, ServerCallContext context) =>
        Task.FromResult(migrations.Cancel(request.MigrationId));

    public override async Task<ListWorkloadsResponse> ListWorkloads(ListWorkloadsRequest request, ServerCallContext context) =>
        new() { Workloads = { await migrations.ListWorkloadsAsync(context.CancellationToken) } };

    public override Task<ListPeersResponse> ListPeers(ListPeersRequest request, ServerCallContext context) =>
        migrations.ListPeersAsync(context.CancellationToken);

    public override Task<Workload> Deploy(DeployRequest request, ServerCallContext context) =>
        migrations.DeployAsync(request, context.CancellationToken);
}
