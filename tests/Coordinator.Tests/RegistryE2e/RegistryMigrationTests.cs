using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Federation.Coordinator.Tests.E2e;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.RegistryE2e;

/// <summary>
/// Two Docker-host clusters whose runtimes get images from the real test registry (<c>--image-source registry</c>, its CA
/// given with <c>--registry-ca</c>): the test app, deployed by its registry reference, moves live from one to the other
/// while a client reads it; the destination's runtime pulled the image itself (the registry served it the blobs) while
/// the target was prepared. Runtimes and networks are named FEDTEST_CLUSTER_PREFIX-reg-* (default fedtest-co-reg-*).
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class RegistryMigrationTests
{
    private static readonly string Prefix = LocalClusters.Prefix + "-reg";
    private CoordinatorNode source = null!;
    private CoordinatorNode destination = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartClusters()
    {
        TestEnvironment.RequireRegistry();
        await LocalClusters.RemoveLeftoversAsync(Prefix);
        directory = Directory.CreateTempSubdirectory(Prefix + "-").FullName;
        int portA = FreePort.Next(), portB = FreePort.Next();
        source = Node("ra", portA, ("rb", portB));
        destination = Node("rb", portB, ("ra", portA));
        await Task.WhenAll(source.StartAsync(), destination.StartAsync());
    }

    [OneTimeTearDown]
    public async Task StopClusters()
    {
        foreach (var node in new[] { source, destination })
        {
            if (node is not null) await node.DisposeAsync();
        }
        await LocalClusters.RemoveLeftoversAsync(Prefix);
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
    }

    [Test]
    public async Task A_workload_whose_image_comes_from_the_registry_moves_live_and_keeps_its_counter_and_memory()
    {
        const string name = "registry-shop";
        var image = TestEnvironment.RegistryTestAppImage;
        var workload = await source.Client.DeployAsync(new DeployRequest
        {
            Ref = new V1.WorkloadRef { Namespace = "default", Name = name },
            Spec = TestApp.Spec(name, image, mib: 32, dirtyKib: 16),
        });
        try
        {
            var stablePort = int.Parse(workload.StableAddress.Split(':')[1]);
            var first = await TestApp.WaitAsync(stablePort, "VERIFY");
            var logBefore = new FileInfo(TestEnvironment.RegistryAccessLog).Length;
            await using var client = new StableClient(stablePort, TimeSpan.FromMinutes(3));
            var started = await source.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"default/{name}",
                Destination = "rb",
                Options = new MigrationOptions { PrecopyRounds = 1 },
            });
            var migration = await source.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
            await client.StopAsync();
            MigrationTests.Report(migration, client);

            var after = await TestApp.AskAsync(stablePort, "VERIFY");
            var sum = await TestApp.AskAsync(stablePort, "SUM");
            var answers = client.Answers.Select(a => a.Status).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                Assert.That(client.Failures, Is.Empty, "no client request failed");
                Assert.That(answers, Is.Not.Empty);
                Assert.That(answers.Select(a => a.Seed).Append(after.Seed).Distinct(), Is.EquivalentTo(new[] { first.Seed }), "one process all along");
                Assert.That(answers.Zip(answers.Skip(1)).All(p => p.Second.Counter >= p.First.Counter), Is.True, "the counter never goes back");
                Assert.That(after.Counter, Is.GreaterThan(first.Counter));
                Assert.That(after.Fields["verify"], Is.EqualTo("ok"), "every page matches its version after the move");
                Assert.That(sum.Fields["memsum"], Is.EqualTo(sum.Checksum), "the memory checksum matches");
            });

            // The destination's runtime holds the image under its registry reference (pulled, not streamed from the host),
            // and the registry served that runtime the image's blobs.
            var moved = (await destination.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads.Single(w => w.Ref.Name == name);
            Assert.That(moved.Role, Is.EqualTo(WorkloadRole.Active));
            var adapter = (DockerHostAdapter)destination.Services.GetRequiredService<Adapters.IOrchestratorAdapter>();
            var runtime = await adapter.Host.FindRuntimeAsync(adapter.RuntimeName(new Adapters.WorkloadId("default", name)), CancellationToken.None)
                ?? throw new AssertionException("the destination has no runtime for the workload");
            var described = await destination.Services.GetRequiredService<Engines.RuntimeEngines>().DescribeAsync(runtime.EngineEndpoint, CancellationToken.None);
            Assert.That(described.Images, Does.Contain(image).And.Not.Contain(TestEnvironment.TestAppImage));
            using var docker = TestEnvironment.OuterDocker();
            var inspect = await docker.Containers.InspectContainerAsync(runtime.RuntimeContainerId);
            var address = inspect.NetworkSettings.Networks.Values.Select(n => n.IPAddress).First(ip => !string.IsNullOrEmpty(ip));
            Assert.That(AccessLogSince(logBefore).Where(l => l.StartsWith(address + " ", StringComparison.Ordinal) && l.Contains("/blobs/sha256:", StringComparison.Ordinal)),
                Is.Not.Empty, $"the registry served the blobs to the destination's runtime ({address})");
        }
        finally
        {
            foreach (var node in new[] { source, destination })
            {
                var adapter = (DockerHostAdapter)node.Services.GetRequiredService<Adapters.IOrchestratorAdapter>();
                await adapter.DeleteWorkloadAsync(new Adapters.WorkloadId("default", name), CancellationToken.None);
            }
        }
    }

    [Test]
    public async Task Deploying_an_image_the_registry_does_not_have_is_NotFound_and_leaves_no_runtime()
    {
        const string name = "registry-ghost";
        var e = Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await source.Client.DeployAsync(new DeployRequest
        {
            Ref = new V1.WorkloadRef { Namespace = "default", Name = name },
            Spec = TestApp.Spec(name, $"{TestEnvironment.Registry}/federation/not-pushed:1", mib: 1, dirtyKib: 0),
        }))!;
        var leftovers = await LocalClusters.RuntimeLeftoversAsync(source, name);
        Assert.Multiple(() =>
        {
            Assert.That(e.StatusCode, Is.EqualTo(Grpc.Core.StatusCode.NotFound), e.Status.Detail);
            Assert.That(e.Status.Detail, Does.Contain("could not pull image").And.Contain("not-pushed"));
            Assert.That(e.Status.Detail, Does.Not.Contain("\n"), "one line");
            Assert.That(leftovers, Is.Empty, "no runtime container, volume or network is left");
        });
    }

    private static List<string> AccessLogSince(long offset)
    {
        using var log = new FileStream(TestEnvironment.RegistryAccessLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(log);
        return reader.ReadToEnd().Split('\n').ToList();
    }

    private CoordinatorNode Node(string cluster, int port, (string Name, int Port) peer) => new(cluster, port, directory,
    [
        $"--runtime-image={TestEnvironment.RuntimeImage}",
        $"--name-prefix={Prefix}",
        "--image-source=registry",
        $"--registry={TestEnvironment.Registry}",
        $"--registry-ca={TestEnvironment.RegistryCaFile}",
        $"--Coordinator:Peers:{peer.Name}=http://127.0.0.1:{peer.Port}",
        $"--peer-secret={peer.Name}={CoordinatorNode.PeerSecretPath(directory, cluster, peer.Name)}",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Federation=Information",
    ]);
}
