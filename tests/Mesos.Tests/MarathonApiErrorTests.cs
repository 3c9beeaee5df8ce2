using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Federation.Adapters;
using Federation.Tests.Marathon;
using Federation.V1;

namespace Federation.Mesos.Tests;

/// <summary>Against the mock Marathon alone (no agent: deployments of running apps never end, which holds their locks): 409 and 422.</summary>
[TestFixture]
[NonParallelizable]
public sealed class MarathonApiErrorTests
{
    private MockMarathon mock = null!;
    private AdapterUnderTest adapter = null!;

    [SetUp]
    public async Task StartAsync()
    {
        mock = await MockMarathon.StartAsync(new MockMarathonOptions(), CancellationToken.None);
        adapter = new AdapterUnderTest(mock.BaseAddress, "127.0.0.1", s => s.LockWaitTimeout = TimeSpan.FromSeconds(2));
    }

    [TearDown]
    public async Task StopAsync()
    {
        adapter.Dispose();
        await mock.DisposeAsync();
    }

    [Test]
    public void An_invalid_definition_is_InvalidArgument_naming_Marathons_field_and_nothing_is_created()
    {
        var spec = new AppSpec { Name = "bad", Image = "federation/testapp:1", Ports = { new PortMapping { ContainerPort = 7000, Protocol = "sctp" } } };
        var e = Assert.ThrowsAsync<FederationException>(() => adapter.Adapter.DeployAsync(new WorkloadId("default", "bad"), spec, CancellationToken.None));
        Assert.That(e!.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(e.Message, Does.Contain("/container/docker/portMappings(1)/protocol").And.Contain("422").And.Not.Contain("\n"));
        Assert.That(mock.Apps.Keys, Is.Empty);
    }

    [Test]
    public async Task A_delete_while_another_deployment_holds_the_app_waits_once_and_is_Aborted_naming_that_deployment()
    {
        var id = new WorkloadId("default", "held");
        var appId = await CreateHeldRuntimeAppAsync(id);

        var e = Assert.ThrowsAsync<FederationException>(() => adapter.Adapter.DeleteWorkloadAsync(id, CancellationToken.None));

        var deployment = mock.State.Deployments().Single().Id;
        Assert.That(e!.Error, Is.EqualTo(FederationError.Aborted));
        Assert.That(e.Message, Does.Contain(deployment).And.Contain(appId).And.Contain("force"));
        Assert.That(mock.Requests.Count(r => r.Method == "DELETE" && r.Path.StartsWith($"/v2/apps{appId}", StringComparison.Ordinal)), Is.EqualTo(1), "no retry loop");
        Assert.That(mock.Apps.Keys, Does.Contain(appId), "the locked app stays");
    }

    [Test]
    public async Task A_delete_whose_lock_ends_during_the_wait_goes_through_on_its_one_more_try()
    {
        var id = new WorkloadId("default", "freed");
        var appId = await CreateHeldRuntimeAppAsync(id);
        var holding = mock.State.Deployments().Single().Id;
        using var patient = new AdapterUnderTest(mock.BaseAddress, "127.0.0.1", s => s.LockWaitTimeout = TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = mock.BaseAddress };

        var delete = patient.Adapter.DeleteWorkloadAsync(id, CancellationToken.None);
        // The other party ends its deployment once the adapter has met the lock.
        Assert.That(await Probe.EventuallyAsync(() => mock.Requests.Any(r => r.Method == "DELETE" && r.StatusCode == 409), CancellationToken.None), Is.True);
        (await http.DeleteAsync($"v2/deployments/{holding}?force=true")).EnsureSuccessStatusCode();
        await delete;

        Assert.That(mock.Requests.Where(r => r.Method == "DELETE" && r.Path.StartsWith($"/v2/apps{appId}", StringComparison.Ordinal)).Select(r => r.StatusCode),
            Is.EqualTo(new[] { 409, 200 }));
        Assert.That(mock.Apps.Keys, Does.Not.Contain(appId));
    }

    /// <summary>A runtime app of the adapter's form whose deployment never ends here (no agent): Marathon keeps it locked.</summary>
    private async Task<string> CreateHeldRuntimeAppAsync(WorkloadId id)
    {
        var appId = $"{AdapterUnderTest.RuntimeAppPrefix}{id.Namespace}/{id.Name}-0000abcd";
        var app = new Federation.Adapters.Mesos.Runtime.RuntimeAppBuilder(new Federation.Adapters.Mesos.Runtime.RuntimeAppOptions
        {
            Cluster = "mesos-a", RuntimeImage = "federation/runtime:1", AppGroup = AdapterUnderTest.Group,
        }).Build(appId, id, new AppSpec { Name = id.Name, Image = "federation/testapp:1", Ports = { new PortMapping { ContainerPort = 7000 } } },
            Federation.Adapters.Mesos.Runtime.RuntimeAppRole.Serving, "c");
        using var http = new HttpClient { BaseAddress = mock.BaseAddress };
        var body = System.Text.Json.JsonSerializer.Serialize(app.AsDefinition(), Federation.Adapters.Mesos.Api.MarathonJson.Options);
        var created = await http.PostAsync("v2/apps", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.That((int)created.StatusCode, Is.EqualTo(201), await created.Content.ReadAsStringAsync());
        Assert.That(mock.State.Deployments(), Has.Count.EqualTo(1));
        return appId;
    }
}
