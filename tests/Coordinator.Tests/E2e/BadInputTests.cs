using Federation.Cli;
using Federation.Coordinator.Tests.Support;
using Federation.V1;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>fedctl against the local clusters: each refusal is one clear line on stderr and a non-zero exit code.</summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class BadInputTests
{
    private const string Name = "victim";
    private string config = "";
    private string directory = "";

    [OneTimeSetUp]
    public async Task DeployAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedctl-").FullName;
        config = Fedctl.WriteConfig(directory, "a", ("a", LocalClusters.A.Address, LocalClusters.A.OperatorTokenPath),
            ("b", LocalClusters.B.Address, LocalClusters.B.OperatorTokenPath), ("down", $"http://127.0.0.1:{FreePort.Next()}", null));
        await LocalClusters.DeployTestAppAsync(Name, mib: 16, dirtyKib: 16);
    }

    [OneTimeTearDown]
    public async Task RemoveAsync()
    {
        await LocalClusters.RemoveWorkloadEverywhereAsync(Name);
        Directory.Delete(directory, recursive: true);
    }

    [Test, Order(1)]
    public async Task Unknown_workload_is_not_found()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "migrate", "default/nope", "--to", "b");
        AssertOneLine(code, ExitCodes.NotFound, error, "workload default/nope is not in cluster 'a'");
    }

    [Test, Order(1)]
    public async Task Unknown_destination_is_not_found()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "migrate", Name, "--to", "mars");
        AssertOneLine(code, ExitCodes.NotFound, error, "unknown destination cluster 'mars'");
    }

    [Test, Order(1)]
    public async Task Unknown_cluster_in_the_config_is_a_config_error()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "--cluster", "mars", "workloads");
        AssertOneLine(code, ExitCodes.Config, error, "unknown cluster 'mars'");
    }

    [Test, Order(1)]
    public async Task Unreachable_coordinator_says_where_it_tried()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "--cluster", "down", "workloads");
        AssertOneLine(code, ExitCodes.Unreachable, error, "cannot reach the coordinator of cluster 'down'");
    }

    [Test, Order(1)]
    public async Task Malformed_workload_name_is_bad_input()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "migrate", "a/b/c", "--to", "b");
        AssertOneLine(code, ExitCodes.Usage, error, "is not NAMESPACE/NAME");
    }

    [Test, Order(2)]
    public async Task Destination_refused_by_negotiation_before_anything_moves()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "migrate", Name, "--to", "full");
        AssertOneLine(code, ExitCodes.Refused, error, "cluster 'full' refused the migration");
        Assert.That(error, Does.Contain("no free workload slot"));
        var workloads = await LocalClusters.WorkloadsAsync(LocalClusters.A);
        Assert.That(workloads.Single(w => w.Ref.Name == Name).LockedBy, Is.Empty, "a refused migration does not lock the workload");
        Assert.That(await LocalClusters.WorkloadsAsync(LocalClusters.Full), Is.Empty, "nothing was created at the refusing destination");
    }

    [Test, Order(3)]
    public async Task Second_migration_of_a_moving_workload_is_aborted()
    {
        var (code, id, _) = await Fedctl.RunAsync(config, "migrate", Name, "--to", "b", "--detach", "--precopy-rounds", "1");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok));
        var (second, _, error) = await Fedctl.RunAsync(config, "migrate", Name, "--to", "b");
        AssertOneLine(second, ExitCodes.Refused, error, $"workload default/{Name} is already moving (migration {id.Trim()})");

        var first = await LocalClusters.A.WaitForEndAsync(id.Trim(), TimeSpan.FromMinutes(2));
        Assert.That(first.Phase, Is.EqualTo(MigrationPhase.Completed), first.Error);
        var (describeCode, described, _) = await Fedctl.RunAsync(config, "describe", "migration", id.Trim());
        Assert.That(describeCode, Is.EqualTo(ExitCodes.Ok));
        Assert.That(described, Does.Contain("Downtime:").And.Contain("final-checkpoint").And.Contain("ALREADY THERE"));
    }

    private static void AssertOneLine(int code, int expected, string error, string mentions) =>
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(expected), error);
            Assert.That(error, Does.Contain(mentions));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line");
            Assert.That(error, Does.Not.Contain(" at Federation."), "no stack trace");
        });
}
