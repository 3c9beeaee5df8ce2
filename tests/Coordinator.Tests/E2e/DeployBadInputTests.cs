using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// A deploy the runtime could not run is refused at the API with one line before anything is created; one that
/// fails while it starts (an image the host does not have) leaves nothing behind and the name free.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class DeployBadInputTests
{
    private const string Name = "d-bad";

    [TearDown]
    public Task RemoveAsync() => LocalClusters.RemoveWorkloadEverywhereAsync(Name);

    [TestCase(0u, "container port 0 is out of range")]
    [TestCase(70000u, "container port 70000 is out of range")]
    public Task Ports_out_of_range_are_InvalidArgument_before_anything_is_created(uint port, string mentions) =>
        AssertRefusedBeforeCreationAsync(spec =>
        {
            spec.Ports.Clear();
            spec.Ports.Add(new PortMapping { ContainerPort = port });
        }, StatusCode.InvalidArgument, mentions);

    [Test]
    public Task A_megabyte_environment_value_is_InvalidArgument_before_anything_is_created() =>
        AssertRefusedBeforeCreationAsync(spec => spec.Env["BIG"] = new string('x', 1 << 20), StatusCode.InvalidArgument, "the environment is");

    [Test]
    public Task Ten_thousand_environment_variables_are_InvalidArgument_before_anything_is_created() =>
        AssertRefusedBeforeCreationAsync(spec =>
        {
            for (var i = 0; i < 10_000; i++) spec.Env[$"V{i}"] = "x";
        }, StatusCode.InvalidArgument, "environment variables are more than");

    [Test]
    public async Task A_deploy_that_fails_while_starting_leaves_nothing_and_the_name_free()
    {
        await AssertRefusedBeforeCreationAsync(spec => spec.Image = "federation/not-on-this-host:1", StatusCode.FailedPrecondition, "is not on the Docker host");
        var (workload, _, first) = await LocalClusters.DeployTestAppAsync(Name, mib: 8, dirtyKib: 0);
        Assert.That(first.Fields["verify"], Is.EqualTo("ok"), "the name was free again: a good deploy of it runs");
        Assert.That(workload.Role, Is.EqualTo(V1.WorkloadRole.Active));
    }

    private static async Task AssertRefusedBeforeCreationAsync(Action<AppSpec> spoil, StatusCode code, string mentions)
    {
        var spec = TestApp.Spec(Name, TestEnvironment.TestAppImage, 8, 0);
        spoil(spec);
        GrpcAssert.Status(() => LocalClusters.A.Client.DeployAsync(new DeployRequest { Ref = new V1.WorkloadRef { Namespace = "default", Name = Name }, Spec = spec }).ResponseAsync,
            code, mentions);
        Assert.That((await LocalClusters.WorkloadsAsync(LocalClusters.A)).Select(w => w.Ref.Name), Does.Not.Contain(Name), "no workload is listed");
        Assert.That(await LocalClusters.RuntimeLeftoversAsync(LocalClusters.A, Name), Is.Empty, "no runtime, Engine or Ambassador container and no state volume is left");
    }
}
