using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Tests.E2e;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// The core consumes the adapter's watch: an active workload whose runtime stops outside a migration is
/// reported, and recreated where the orchestrator does not heal it itself; a migration's own stops are not
/// reported. Driven through the fake adapter's watch; no Docker.
/// </summary>
[TestFixture]
public sealed class WorkloadWatcherTests
{
    private static readonly Uri Engine = new("http://127.0.0.1:9");
    private readonly FakeAdapter adapter = new();
    private CoordinatorNode node = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-watch-").FullName;
        node = new CoordinatorNode("w", FreePort.Next(), directory, ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning"], adapter.Module);
        await node.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await node.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public async Task A_stopped_runtime_is_reported_and_left_to_an_orchestrator_that_heals()
    {
        adapter.HealsWorkloads = true;
        var id = new WorkloadId("default", "healed-by-orchestrator");
        adapter.Add(id, Engine);
        adapter.Emit(WorkloadEventType.Modified, Stopped(id));
        await ConditionAsync(id, c => c.Contains("runtime stopped"));
        Assert.That(adapter.Recreated, Does.Not.Contain(id), "the orchestrator heals it itself");
    }

    [Test]
    public async Task A_stopped_runtime_is_recreated_where_the_orchestrator_does_not_heal()
    {
        adapter.HealsWorkloads = false;
        var id = new WorkloadId("default", "healed-by-coordinator");
        adapter.Add(id, Engine);
        adapter.Emit(WorkloadEventType.Modified, Stopped(id));
        var condition = await ConditionAsync(id, c => c.Contains("recreated"));
        Assert.That(condition, Does.Contain("runtime stopped").And.Contain("app memory lost"));
        Assert.That(adapter.Recreated, Does.Contain(id));
    }

    [Test]
    public async Task A_runtime_stopped_by_a_migration_is_left_to_its_saga()
    {
        adapter.HealsWorkloads = false;
        var moving = new WorkloadId("default", "moving");
        var marker = new WorkloadId("default", "marker");
        adapter.Add(moving, Engine);
        adapter.Add(marker, Engine);
        var journal = node.Services.GetRequiredService<MigrationJournal>();
        Assert.That(journal.TryBegin(new Migration
        {
            Id = "mwatch00001", SourceCluster = "w", DestinationCluster = "elsewhere",
            Workload = new V1.WorkloadRef { Namespace = moving.Namespace, Name = moving.Name },
        }), Is.True);
        adapter.Emit(WorkloadEventType.Modified, Stopped(moving));
        // Changes are handled in order: once the later one is reported, the earlier one has been seen.
        adapter.Emit(WorkloadEventType.Modified, Stopped(marker));
        await ConditionAsync(marker, c => c.Contains("recreated"));
        var workloads = await LocalClusters.WorkloadsAsync(node);
        Assert.That(workloads.Single(w => w.Ref.Name == moving.Name).Condition, Is.Empty, "a migration's stop is not a failure");
        Assert.That(adapter.Recreated, Does.Not.Contain(moving));
    }

    [Test]
    public async Task A_runtime_left_stopped_by_a_rolled_back_migration_is_recreated_once_it_ends()
    {
        adapter.HealsWorkloads = false;
        var id = new WorkloadId("default", "rolled-back");
        adapter.Add(id, Engine);
        var journal = node.Services.GetRequiredService<MigrationJournal>();
        var migration = new Migration
        {
            Id = "mwatch00002", SourceCluster = "w", DestinationCluster = "elsewhere",
            Workload = new V1.WorkloadRef { Namespace = id.Namespace, Name = id.Name },
        };
        Assert.That(journal.TryBegin(migration), Is.True);
        var marker = new WorkloadId("default", "marker-2");
        adapter.Add(marker, Engine);
        adapter.Emit(WorkloadEventType.Modified, Stopped(id));
        adapter.Emit(WorkloadEventType.Modified, Stopped(marker));
        await ConditionAsync(marker, c => c.Contains("recreated"));
        Assert.That(adapter.Recreated, Does.Not.Contain(id), "seen while the migration held it: left to the saga");
        migration.Phase = MigrationPhase.RolledBack;
        journal.Save(migration);
        await ConditionAsync(id, c => c.Contains("recreated"));
        Assert.That(adapter.Recreated, Does.Contain(id));
    }

    private WorkloadInfo Stopped(WorkloadId id) =>
        new(id, Adapters.WorkloadRole.Active, "app:1", false, Engine, Engine, new Dictionary<int, string>(), null, null, null, "node-1");

    private async Task<string> ConditionAsync(WorkloadId id, Func<string, bool> expected)
    {
        var condition = "";
        await LocalClusters.EventuallyAsync(async () =>
        {
            condition = (await LocalClusters.WorkloadsAsync(node)).SingleOrDefault(w => w.Ref.Name == id.Name)?.Condition ?? "";
            return expected(condition);
        }, TimeSpan.FromSeconds(20), $"the condition of {id} ({condition})");
        return condition;
    }
}
