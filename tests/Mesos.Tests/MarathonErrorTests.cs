using System.Net;
using System.Net.Sockets;
using Federation.Adapters.Mesos.Api;

namespace Federation.Mesos.Tests;

/// <summary>Marathon's answers (its documented error bodies) become one-line FederationExceptions of the right kind.</summary>
[TestFixture]
public sealed class MarathonErrorTests
{
    private const string Invalid = """
        {"message":"Object is not valid","details":[{"path":"/container/docker/image","errors":["must not be empty"]},{"path":"/cpus","errors":["got -1.0, expected 0.0 or more"]}]}
        """;

    private const string Locked = """
        {"message":"App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.","deployments":[{"id":"97c136bf-5a28-4821-9d94-480d9fbb01c8"}]}
        """;

    [Test]
    public void An_invalid_definition_is_InvalidArgument_naming_each_member_Marathon_named()
    {
        var stub = new StubMarathon((_, _) => (HttpStatusCode.UnprocessableEntity, Invalid));
        var e = Assert.ThrowsAsync<FederationException>(() => stub.Api().CreateAppAsync(new MarathonApp { Id = "/federation/x" }, false, CancellationToken.None));
        Assert.That(e!.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(e.Message, Does.Contain("create app /federation/x").And.Contain("422").And.Contain("/container/docker/image must not be empty").And.Contain("/cpus got -1.0"));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [TestCase(HttpStatusCode.Unauthorized, FederationError.PermissionDenied)]
    [TestCase(HttpStatusCode.Forbidden, FederationError.PermissionDenied)]
    [TestCase(HttpStatusCode.NotFound, FederationError.NotFound)]
    [TestCase(HttpStatusCode.BadRequest, FederationError.InvalidArgument)]
    [TestCase(HttpStatusCode.TooManyRequests, FederationError.Unavailable)]
    [TestCase(HttpStatusCode.ServiceUnavailable, FederationError.Unavailable)]
    public void Statuses_map_to_their_kind_with_Marathons_message(HttpStatusCode status, FederationError expected)
    {
        var stub = new StubMarathon((_, _) => (status, """{"message":"something Marathon says"}"""));
        var e = Assert.ThrowsAsync<FederationException>(() => stub.Api().UpdateAppAsync(new MarathonApp { Id = "/federation/x" }, false, CancellationToken.None));
        Assert.That(e!.Error, Is.EqualTo(expected));
        Assert.That(e.Message, Does.Contain("update app /federation/x").And.Contain($"{(int)status}").And.Contain("something Marathon says").And.Contain("cluster 'mesos-a'"));
    }

    [Test]
    public void A_409_for_an_app_that_exists_is_AlreadyExists()
    {
        var stub = new StubMarathon((_, _) => (HttpStatusCode.Conflict, """{"message":"An app with id [/federation/x] already exists."}"""));
        var e = Assert.ThrowsAsync<FederationException>(() => stub.Api().CreateAppAsync(new MarathonApp { Id = "/federation/x" }, false, CancellationToken.None));
        Assert.That(e!.Error, Is.EqualTo(FederationError.AlreadyExists));
        Assert.That(stub.Requests, Has.Count.EqualTo(1), "no retry");
    }

    [Test]
    public void A_409_lock_waits_once_for_the_deployment_named_and_sends_the_change_once_more()
    {
        var deploymentsListed = 0;
        var stub = new StubMarathon((request, n) => request.RequestUri!.AbsolutePath switch
        {
            "/v2/deployments" => (HttpStatusCode.OK, ++deploymentsListed < 2 ? """[{"id":"97c136bf-5a28-4821-9d94-480d9fbb01c8","affectedApps":["/federation/x"]}]""" : "[]"),
            _ when n == 1 => (HttpStatusCode.Conflict, Locked),
            _ => (HttpStatusCode.OK, Fixtures.Text("deployments_result.json")),
        });
        var deployment = stub.Api().UpdateAppAsync(new MarathonApp { Id = "/federation/x" }, false, CancellationToken.None).GetAwaiter().GetResult();
        Assert.That(deployment, Is.EqualTo("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43"));
        Assert.That(stub.Requests.First(), Is.EqualTo("PUT /v2/apps/federation/x"));
        Assert.That(stub.Requests.Last(), Is.EqualTo("PUT /v2/apps/federation/x"));
        Assert.That(stub.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal)), Is.EqualTo(2), "one wait, one more try");
    }

    [Test]
    public void A_409_lock_that_outlasts_the_wait_is_Aborted_naming_the_deployment_not_a_loop()
    {
        var stub = new StubMarathon((request, _) => request.RequestUri!.AbsolutePath == "/v2/deployments"
            ? (HttpStatusCode.OK, """[{"id":"97c136bf-5a28-4821-9d94-480d9fbb01c8"}]""")
            : (HttpStatusCode.Conflict, Locked));
        var e = Assert.ThrowsAsync<FederationException>(() => stub.Api(TimeSpan.FromMilliseconds(300)).DeleteAppAsync("/federation/x", false, CancellationToken.None));
        Assert.That(e!.Error, Is.EqualTo(FederationError.Aborted));
        Assert.That(e.Message, Does.Contain("97c136bf-5a28-4821-9d94-480d9fbb01c8").And.Contain("delete app /federation/x").And.Contain("force"));
        Assert.That(stub.Requests.Count(r => r.StartsWith("DELETE", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public void With_force_the_change_goes_with_force_true_and_does_not_wait()
    {
        var stub = new StubMarathon((request, _) => request.RequestUri!.Query.Contains("force=true", StringComparison.Ordinal)
            ? (HttpStatusCode.OK, Fixtures.Text("deployments_result.json"))
            : (HttpStatusCode.Conflict, Locked));
        var deployment = stub.Api().DeleteAppAsync("/federation/x", true, CancellationToken.None).GetAwaiter().GetResult();
        Assert.That(deployment, Is.EqualTo("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43"));
        Assert.That(stub.Requests, Is.EqualTo(new[] { "DELETE /v2/apps/federation/x?force=true" }));
    }

    [Test]
    public void A_refused_connection_is_Unavailable_in_one_line_naming_Marathons_address()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var api = new MarathonApi(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") }, "mesos-a", TimeSpan.FromSeconds(1),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<MarathonApi>.Instance);
        var e = Assert.ThrowsAsync<FederationException>(() => api.InfoAsync(CancellationToken.None));
        Assert.That(e!.Error, Is.EqualTo(FederationError.Unavailable));
        Assert.That(e.Message, Does.Contain($"127.0.0.1:{port}").And.Contain("connection refused").And.Not.Contain("\n"));
    }

    [Test]
    public async Task A_Marathon_that_never_answers_is_Unavailable_after_the_request_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = silent.AcceptTcpClientAsync();
        var api = new MarathonApi(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMilliseconds(500) }, "mesos-a",
            TimeSpan.FromSeconds(1), Microsoft.Extensions.Logging.Abstractions.NullLogger<MarathonApi>.Instance);
        var e = Assert.ThrowsAsync<FederationException>(() => api.FindAppAsync("/federation/x", CancellationToken.None));
        Assert.That(e!.Error, Is.EqualTo(FederationError.Unavailable));
        Assert.That(e.Message, Does.Contain("did not answer in time").And.Contain("read app /federation/x"));
        (await accepted).Dispose();
    }

    [Test]
    public void A_404_read_is_no_app_and_a_404_delete_is_already_gone()
    {
        var stub = new StubMarathon((_, _) => (HttpStatusCode.NotFound, """{"message":"App '/federation/x' does not exist"}"""));
        Assert.That(stub.Api().FindAppAsync("/federation/x", CancellationToken.None).GetAwaiter().GetResult(), Is.Null);
        Assert.That(stub.Api().DeleteAppAsync("/federation/x", false, CancellationToken.None).GetAwaiter().GetResult(), Is.Null);
        Assert.That(stub.Api().TasksAsync("/federation/x", CancellationToken.None).GetAwaiter().GetResult(), Is.Empty);
    }

    [Test]
    public void The_deployment_of_a_change_is_read_from_the_documented_result_and_from_a_created_apps_deployments()
    {
        Assert.That(MarathonApi.DeploymentIdOf(Fixtures.Text("deployments_result.json")), Is.EqualTo("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43"));
        Assert.That(MarathonApi.DeploymentIdOf("""{"id":"/x","deployments":[{"id":"d-1"}]}"""), Is.EqualTo("d-1"));
        Assert.That(MarathonApi.DeploymentIdOf("not json"), Is.Null);
    }
}
