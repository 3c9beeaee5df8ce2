using Federation.Adapters;
using Federation.Tests.Marathon;
using Federation.V1;

namespace Federation.Mesos.Tests;

/// <summary>
/// The adapter against the mock Marathon with a Mesos agent running its tasks on this host's dockerd and marathon-lb (tests/MarathonCluster):
/// a runtime of the runtime image serving the test app through the service port, a deployment that never gets healthy rolled back,
/// and an API failure halfway that leaves nothing behind. Docker is required: without it these fail with the reason.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MarathonClusterTests
{
    private static readonly string Prefix = Environment.GetEnvironmentVariable("FEDTEST_CLUSTER_PREFIX") is { Length: > 0 } p ? p : "fedmadapter";

    private static AppSpec Counter(string name) => new()
    {
        Name = name,
        Image = TestImages.TestApp,
        Ports = { new PortMapping { ContainerPort = 7000 } },
        Env = { ["MIB"] = "16" },
    };

    [Test]
    [CancelAfter(600_000)]
    public async Task A_deployed_runtime_serves_the_test_app_through_its_service_port_and_a_delete_leaves_nothing(CancellationToken ct)
    {
        await using var cluster = await MarathonTestCluster.StartAsync(new MarathonTestClusterOptions { Prefix = Prefix, Name = "deploy" }, ct);
        using var adapter = new AdapterUnderTest(cluster.BaseAddress, cluster.AgentAddress);
        var id = new WorkloadId("default", "counter");

        var info = await adapter.Adapter.DeployAsync(id, Counter("counter"), ct);

        Assert.Multiple(() =>
        {
            Assert.That(info.Role, Is.EqualTo(Federation.Adapters.WorkloadRole.Active));
            Assert.That(info.Running, Is.True);
            Assert.That(info.EngineEndpoint.Host, Is.EqualTo(cluster.AgentAddress), "the Engine at the task's host and host port");
            Assert.That(info.AppEndpoints.Keys, Is.EqualTo(new[] { 7000 }));
            Assert.That(info.AppEndpoints[7000], Does.StartWith($"{cluster.AgentAddress}:"));
            Assert.That(info.StableAddress, Is.EqualTo(cluster.Lb.AgentServiceAddress(AdapterUnderTest.RelayAppId(id), 0)), "the relay app's service port on marathon-lb");
            Assert.That(info.Node, Is.EqualTo(cluster.AgentAddress));
        });
        var runtimeApp = cluster.Api.Apps.Keys.Single(k => k.StartsWith(AdapterUnderTest.RuntimeAppPrefix, StringComparison.Ordinal));
        Assert.That(cluster.Api.Apps[runtimeApp]["container"]!["docker"]!["privileged"]!.GetValue<bool>(), Is.True);

        // Through marathon-lb's service port and the relay to the app, and straight at the task as well.
        var first = await Probe.AskAsync(cluster.ServiceAddress(AdapterUnderTest.RelayAppId(id), 0), "GET", ct);
        var direct = await Probe.AskAsync(info.AppEndpoints[7000], "GET", ct);
        Assert.That(first, Does.StartWith("counter="));
        Assert.That(direct, Does.Contain(first.Split(' ').First(w => w.StartsWith("seed=", StringComparison.Ordinal))), "one and the same process");
        Assert.That(await Probe.AskAsync(info.StableAddress!, "GET", ct), Does.StartWith("counter="));

        Assert.That((await adapter.Adapter.ListWorkloadsAsync(ct)).Select(w => w.Id), Is.EqualTo(new[] { id }));
        await adapter.Adapter.DeleteWorkloadAsync(id, ct);

        Assert.That(cluster.Api.Apps.Keys, Is.Empty, "runtime and relay apps deleted");
        Assert.That(cluster.Api.State.Deployments(), Is.Empty);
        Assert.That(await adapter.Adapter.GetWorkloadAsync(id, ct), Is.Null);
        Assert.That(Directory.Exists(Path.Combine(adapter.Settings.RelayDirectory, "default.counter")), Is.False);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_runtime_that_never_becomes_healthy_is_rolled_back_with_the_app_and_its_last_task_state_named_and_nothing_left(CancellationToken ct)
    {
        await using var cluster = await MarathonTestCluster.StartAsync(new MarathonTestClusterOptions { Prefix = Prefix, Name = "never" }, ct);
        // An image no agent has: every task fails to start, Marathon keeps relaunching it.
        using var adapter = new AdapterUnderTest(cluster.BaseAddress, cluster.AgentAddress, s =>
        {
            s.RuntimeImage = "fedtest-madapter/no-such-runtime:0";
            s.DeploymentTimeout = TimeSpan.FromSeconds(15);
        });

        var e = Assert.ThrowsAsync<FederationException>(() => adapter.Adapter.DeployAsync(new WorkloadId("default", "never"), Counter("never"), ct));

        Assert.That(e!.Error, Is.EqualTo(FederationError.Unavailable));
        Assert.That(e.Message, Does.Contain($"app {AdapterUnderTest.RuntimeAppPrefix}default/never-").And.Contain("did not become healthy within 15 s")
            .And.Contain("rolled back").And.Contain("TASK_FAILED").And.Not.Contain("\n"));
        Assert.That(cluster.Api.Requests.Any(r => r.Method == "DELETE" && r.Path.StartsWith("/v2/deployments/", StringComparison.Ordinal)), Is.True, "the deployment was rolled back");
        Assert.That(cluster.Api.Apps.Keys, Is.Empty);
        Assert.That(cluster.Api.State.Deployments(), Is.Empty);
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task An_API_failure_after_the_runtime_started_removes_the_runtime_app_and_its_tasks(CancellationToken ct)
    {
        await using var cluster = await MarathonTestCluster.StartAsync(new MarathonTestClusterOptions { Prefix = Prefix, Name = "half" }, ct);
        using var adapter = new AdapterUnderTest(cluster.BaseAddress, cluster.AgentAddress);
        var id = new WorkloadId("default", "half");

        var deploy = adapter.Adapter.DeployAsync(id, Counter("half"), ct);
        // Once the runtime app exists, the next app creation is the relay's: Marathon refuses it.
        Assert.That(await Probe.EventuallyAsync(() => cluster.Api.Apps.Keys.Any(k => k.StartsWith(AdapterUnderTest.RuntimeAppPrefix, StringComparison.Ordinal)), ct), Is.True);
        cluster.Api.FailNext("POST", "/v2/apps", 503);
        var e = Assert.ThrowsAsync<FederationException>(() => deploy);

        Assert.That(e!.Error, Is.EqualTo(FederationError.Unavailable));
        Assert.That(e.Message, Does.Contain($"create app {AdapterUnderTest.RelayAppId(id)}").And.Contain("503"));
        Assert.That(cluster.Api.Apps.Keys, Is.Empty, "the runtime app went with the failure");
        Assert.That(cluster.Api.State.Deployments(), Is.Empty);
        Assert.That(await adapter.Adapter.GetWorkloadAsync(id, ct), Is.Null);
    }
    [Test]
    [CancelAfter(600_000)]
    public async Task A_passive_target_waits_for_its_restore_is_found_again_on_repeat_and_its_promote_changes_nothing_in_Marathon(CancellationToken ct)
    {
        await using var cluster = await MarathonTestCluster.StartAsync(new MarathonTestClusterOptions { Prefix = Prefix, Name = "target" }, ct);
        using var adapter = new AdapterUnderTest(cluster.BaseAddress, cluster.AgentAddress);
        var id = new WorkloadId("default", "moved");
        var home = new StableHome("kube-b", "10.1.2.3:7000");

        var target = await adapter.Adapter.CreatePassiveTargetAsync(id, Counter("moved"), "mig-1", home, ct);
        var again = await adapter.Adapter.CreatePassiveTargetAsync(id, Counter("moved"), "mig-1", home, ct);

        Assert.Multiple(() =>
        {
            Assert.That(target.Role, Is.EqualTo(Federation.Adapters.WorkloadRole.Target));
            Assert.That(target.MigrationId, Is.EqualTo("mig-1"));
            Assert.That(target.HomeCluster, Is.EqualTo("kube-b"));
            Assert.That(target.StableAddress, Is.EqualTo("10.1.2.3:7000"), "no relay app here: the home holds the address");
            Assert.That(again.EngineEndpoint, Is.EqualTo(target.EngineEndpoint), "a repeat finds the same runtime");
            Assert.That(cluster.Api.Apps.Keys.Count(k => k.StartsWith(AdapterUnderTest.RuntimeAppPrefix, StringComparison.Ordinal)), Is.EqualTo(1));
        });
        var other = Assert.ThrowsAsync<FederationException>(() => adapter.Adapter.CreatePassiveTargetAsync(id, Counter("moved"), "mig-2", home, ct));
        Assert.That(other!.Error, Is.EqualTo(FederationError.FailedPrecondition));

        var changesBefore = cluster.Api.Requests.Count(r => r.Method is "PUT" or "POST" or "DELETE");
        await adapter.Adapter.PromoteTargetAsync(id, ct);
        await adapter.Adapter.PromoteTargetAsync(id, ct);
        var promoted = await adapter.Adapter.GetWorkloadAsync(id, ct);

        Assert.That(promoted!.Role, Is.EqualTo(Federation.Adapters.WorkloadRole.Active));
        Assert.That(promoted.MigrationId, Is.Null);
        Assert.That(promoted.EngineEndpoint, Is.EqualTo(target.EngineEndpoint), "the restored runtime keeps running");
        Assert.That(cluster.Api.Requests.Count(r => r.Method is "PUT" or "POST" or "DELETE"), Is.EqualTo(changesBefore),
            "a label change would be a new app version, whose tasks replace the restored one");

        await adapter.Adapter.DeleteWorkloadAsync(id, ct);
        Assert.That(cluster.Api.Apps.Keys, Is.Empty);
    }
}

