using System.Net.Sockets;
using System.Text.Json;
using Federation.Cli;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// `fedctl delete` and DeleteWorkload on real runtimes: a deleted workload leaves no container, volume, network or stable
/// address and its name is free; a workload a migration holds is refused; one that moved away from its home is deleted where it
/// runs and its home closes the stable address.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class DeleteWorkloadTests
{
    private const string Name = "del-x";
    private const string Moving = "del-m";
    private string directory = "";
    private string config = "";

    [OneTimeSetUp]
    public void WriteConfig()
    {
        directory = Directory.CreateTempSubdirectory("fedctl-delete-").FullName;
        config = Fedctl.WriteConfig(directory, "a", LocalClusters.A, LocalClusters.B);
    }

    [TearDown]
    public async Task RemoveAsync()
    {
        await LocalClusters.RemoveWorkloadEverywhereAsync(Name);
        await LocalClusters.RemoveWorkloadEverywhereAsync(Moving);
    }

    [OneTimeTearDown]
    public void RemoveConfig() => Directory.Delete(directory, recursive: true);

    [Test]
    public async Task Delete_leaves_no_runtime_volume_network_or_stable_address_and_frees_the_name()
    {
        var (_, stablePort, _) = await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);

        var (code, output, error) = await Fedctl.RunAsync(config, "delete", Name);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
            Assert.That(output.Trim(), Is.EqualTo($"workload default/{Name} deleted"));
            Assert.That(error, Is.Empty);
        });
        Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.A)).Select(w => w.Ref.Name), Does.Not.Contain(Name));
        Assert.That(await LocalClusters.RuntimeLeftoversAsync(LocalClusters.A, Name), Is.Empty, "no container, volume or runtime network is left");
        Assert.That(await AcceptsAsync(stablePort), Is.False, "the stable address is closed");

        var (again, _, first) = await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);
        Assert.That(first.Fields["verify"], Is.EqualTo("ok"), "the name is free: a new deploy of it serves");

        var (jsonCode, json, jsonError) = await Fedctl.RunAsync(config, "delete", $"default/{Name}", "-o", "json");
        Assert.That(jsonCode, Is.EqualTo(ExitCodes.Ok), jsonError);
        using (var document = JsonDocument.Parse(json))
        {
            var root = document.RootElement;
            Assert.Multiple(() =>
            {
                Assert.That(root.GetProperty("workload").GetProperty("name").GetString(), Is.EqualTo(Name));
                Assert.That(root.GetProperty("cluster").GetString(), Is.EqualTo("a"));
                Assert.That(root.GetProperty("closedStableAddress").GetString(), Is.EqualTo(again.StableAddress));
                Assert.That(root.GetProperty("homeCluster").GetString(), Is.EqualTo("a"));
            });
        }
        Assert.That(await LocalClusters.RuntimeLeftoversAsync(LocalClusters.A, Name), Is.Empty);

        var (goneCode, _, goneError) = await Fedctl.RunAsync(config, "delete", Name);
        AssertOneLine(goneCode, ExitCodes.NotFound, goneError, $"workload default/{Name} is not in cluster 'a'");
    }

    [Test]
    public async Task Bad_names_are_bad_input_and_unknown_workloads_not_found()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "delete", "a/b/c");
        AssertOneLine(code, ExitCodes.Usage, error, "is not NAMESPACE/NAME");
        (code, _, error) = await Fedctl.RunAsync(config, "delete", "Not_A_Label");
        AssertOneLine(code, ExitCodes.Usage, error, "is not a DNS label");
        (code, _, error) = await Fedctl.RunAsync(config, "delete", "other/nobody");
        AssertOneLine(code, ExitCodes.NotFound, error, "workload other/nobody is not in cluster 'a'");
        GrpcAssert.Status(() => LocalClusters.B.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Workload = new V1.WorkloadRef { Name = "nobody" } }).ResponseAsync,
            StatusCode.NotFound, "workload default/nobody is not in cluster 'b'");
    }

    [Test]
    public async Task Delete_is_refused_while_migrating_and_deletes_a_moved_workload_with_the_stable_address_its_home_holds()
    {
        var (workload, stablePort, first) = await LocalClusters.DeployTestAppAsync(Moving, mib: 8, dirtyKib: 0);
        var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
        {
            Workload = Moving,
            Destination = "b",
            Options = new MigrationOptions { PrecopyRounds = 1 },
        });
        // The migration holds the workload from Migrate's answer on; preparing the target alone takes seconds.
        GrpcAssert.Status(() => LocalClusters.A.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Workload = new V1.WorkloadRef { Name = Moving } }).ResponseAsync,
            StatusCode.FailedPrecondition, $"workload default/{Moving} is held by migration {started.MigrationId}");
        var (code, _, error) = await Fedctl.RunAsync(config, "delete", Moving);
        AssertOneLine(code, ExitCodes.Refused, error, $"held by migration {started.MigrationId}");

        var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
        Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
        var moved = await TestApp.AskAsync(stablePort, "VERIFY");
        Assert.That(moved.Seed, Is.EqualTo(first.Seed), "the refused deletes left the workload alone: it moved with its memory");

        var (deletedCode, json, deletedError) = await Fedctl.RunAsync(config, "-c", "b", "delete", Moving, "-o", "json");
        Assert.That(deletedCode, Is.EqualTo(ExitCodes.Ok), deletedError);
        using (var document = JsonDocument.Parse(json))
        {
            var root = document.RootElement;
            Assert.Multiple(() =>
            {
                Assert.That(root.GetProperty("cluster").GetString(), Is.EqualTo("b"));
                Assert.That(root.GetProperty("closedStableAddress").GetString(), Is.EqualTo(workload.StableAddress), "a closed the stable address it holds");
                Assert.That(root.GetProperty("homeCluster").GetString(), Is.EqualTo("a"));
            });
        }
        var leftInB = await LocalClusters.RuntimeLeftoversAsync(LocalClusters.B, Moving);
        var leftInA = await LocalClusters.RuntimeLeftoversAsync(LocalClusters.A, Moving);
        var stableOpen = await AcceptsAsync(stablePort);
        var inB = (await LocalClusters.WorkloadsAsync(LocalClusters.B)).Select(w => w.Ref.Name).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(leftInB, Is.Empty, "nothing of the runtime is left in b");
            Assert.That(leftInA, Is.Empty, "nothing is left in a");
            Assert.That(stableOpen, Is.False, "the stable address in a is closed");
            Assert.That(inB, Does.Not.Contain(Moving));
        });

        var (_, _, again) = await LocalClusters.DeployTestAppAsync(Moving, mib: 8, dirtyKib: 0);
        Assert.That(again.Fields["verify"], Is.EqualTo("ok"), "the name is free in its home again");
    }

    /// <summary>Whether something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(5));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
