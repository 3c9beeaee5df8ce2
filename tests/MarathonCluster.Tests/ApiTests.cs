using System.Net.Sockets;
using System.Text.Json.Nodes;
using Federation.Tests.Marathon.Validation;

namespace Federation.Tests.Marathon.Tests;

/// <summary>The mock's API alone (no agent: deployments never finish): validation bodies, conflicts, locks, credentials, fault hooks.</summary>
[TestFixture]
public sealed class ApiTests
{
    private MockMarathon api = null!;
    private MarathonClient client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        api = await MockMarathon.StartAsync(new MockMarathonOptions(), CancellationToken.None);
        client = new MarathonClient(api.BaseAddress);
    }

    [TearDown]
    public async Task StopAsync()
    {
        client.Dispose();
        await api.DisposeAsync();
    }

    private static JsonObject App(string id = "/group/app") => new()
    {
        ["id"] = id,
        ["cmd"] = "sleep 1000",
        ["instances"] = 1,
        ["cpus"] = 0.1,
        ["mem"] = 32,
    };

    private static void AssertNames(JsonNode body, string message, string path, string errorPart)
    {
        Assert.That(body["message"]!.GetValue<string>(), Is.EqualTo(message), body.ToJsonString());
        var detail = body["details"]!.AsArray().FirstOrDefault(d => d!["path"]!.GetValue<string>() == path);
        Assert.That(detail, Is.Not.Null, $"a detail for {path}: {body.ToJsonString()}");
        Assert.That(detail!["errors"]!.AsArray().Select(e => e!.GetValue<string>()), Has.Some.Contains(errorPart));
    }

    [Test]
    public void The_fixture_app_definition_fits_the_schema_field_for_field()
    {
        var fixture = MarathonFixtures.Json("app.json");
        foreach (var (name, _) in fixture) Assert.That(AppSchema.FixtureFields.ContainsKey(name), $"the schema knows {name}");
        var errors = new List<(string, string)>();
        AppSchema.App.Check(fixture, "", errors, strict: true);
        Assert.That(errors, Is.Empty);
        Assert.DoesNotThrow(() => AppValidator.Check(fixture));
    }

    [Test]
    public async Task An_unknown_field_is_refused_with_422_naming_it()
    {
        var app = App();
        app["container"] = new JsonObject { ["type"] = "DOCKER", ["docker"] = new JsonObject { ["image"] = "x", ["privilegd"] = true } };
        var body = await client.ExpectAsync(422, "POST", "/v2/apps", app);
        AssertNames(body, "Object is not valid", "/container/docker/privilegd", "Unknown field");
    }

    [Test]
    public async Task A_wrong_type_is_refused_with_422_naming_the_field()
    {
        var app = App();
        app["instances"] = "2";
        AssertNames(await client.ExpectAsync(422, "POST", "/v2/apps", app), "Invalid JSON", "/instances", "error.expected.jsnumber");
        app = App();
        app["labels"] = new JsonObject { ["a"] = 1 };
        AssertNames(await client.ExpectAsync(422, "POST", "/v2/apps", app), "Invalid JSON", "/labels/a", "error.expected.jsstring");
    }

    [Test]
    public async Task Missing_id_bad_id_negative_resources_and_nothing_to_run_are_refused_with_422()
    {
        var app = App();
        app.Remove("id");
        AssertNames(await client.ExpectAsync(422, "POST", "/v2/apps", app), "Object is not valid", "/id", "error.path.missing");
        AssertNames(await client.ExpectAsync(422, "POST", "/v2/apps", App("/Bad_Id")), "Object is not valid", "/id", "must fully match regular expression");
        app = App();
        app["instances"] = -1;
        app["mem"] = -5;
        var body = await client.ExpectAsync(422, "POST", "/v2/apps", app);
        AssertNames(body, "Object is not valid", "/instances", "expected 0 or more");
        AssertNames(body, "Object is not valid", "/mem", "expected 0 or more");
        app = App();
        app.Remove("cmd");
        AssertNames(await client.ExpectAsync(422, "POST", "/v2/apps", app), "Object is not valid", "/", "must either contain one of 'cmd' or 'args', and/or a 'container'");
    }

    [Test]
    public async Task Malformed_json_is_400_with_a_message()
    {
        var (status, body) = await client.SendAsync("POST", "/v2/apps", "{\"id\": ");
        Assert.That(status, Is.EqualTo(400));
        Assert.That(body!["message"]!.GetValue<string>(), Does.StartWith("Invalid JSON"));
    }

    [Test]
    public async Task An_existing_id_is_409_a_locked_app_is_409_with_its_deployment_and_force_overrides()
    {
        var created = await client.ExpectAsync(201, "POST", "/v2/apps", App("group/app/"));
        Assert.That(created["id"]!.GetValue<string>(), Is.EqualTo("/group/app"), "the id is normalised");
        var deployment = created["deployments"]![0]!["id"]!.GetValue<string>();
        var exists = await client.ExpectAsync(409, "POST", "/v2/apps", App());
        Assert.That(exists["message"]!.GetValue<string>(), Is.EqualTo("An app with id [/group/app] already exists."));

        var locked = await client.ExpectAsync(409, "PUT", "/v2/apps/group/app", new JsonObject { ["instances"] = 2 });
        Assert.That(locked["message"]!.GetValue<string>(), Does.StartWith("App is locked by one or more deployments. Override with the option '?force=true'."));
        Assert.That(locked["deployments"]![0]!["id"]!.GetValue<string>(), Is.EqualTo(deployment));
        await client.ExpectAsync(409, "DELETE", "/v2/apps/group/app");

        var forced = await client.ExpectAsync(200, "PUT", "/v2/apps/group/app?force=true", new JsonObject { ["instances"] = 2 });
        var deployments = (JsonArray)await client.ExpectAsync(200, "GET", "/v2/deployments");
        Assert.That(deployments.Select(d => d!["id"]!.GetValue<string>()), Is.EqualTo(new[] { forced["deploymentId"]!.GetValue<string>() }), "force cancelled the first deployment");
        Assert.That(deployments[0]!["currentActions"]![0]!["action"]!.GetValue<string>(), Is.EqualTo("ScaleApplication"));
        Assert.That(deployments[0]!["affectedApps"]![0]!.GetValue<string>(), Is.EqualTo("/group/app"));
    }

    [Test]
    public async Task An_unknown_app_is_404_with_marathons_message()
    {
        var body = await client.ExpectAsync(404, "GET", "/v2/apps/nope");
        Assert.That(body["message"]!.GetValue<string>(), Is.EqualTo("App '/nope' does not exist"));
        await client.ExpectAsync(404, "DELETE", "/v2/apps/nope");
        await client.ExpectAsync(404, "GET", "/v2/apps/nope/tasks");
    }

    [Test]
    public async Task Rolling_back_a_new_apps_deployment_deletes_it_and_force_just_cancels()
    {
        var deployment = (await client.ExpectAsync(201, "POST", "/v2/apps", App("/a")))["deployments"]![0]!["id"]!.GetValue<string>();
        var rollback = await client.ExpectAsync(200, "DELETE", $"/v2/deployments/{deployment}");
        Assert.That(rollback["deploymentId"]!.GetValue<string>(), Is.Not.EqualTo(deployment));
        await client.ExpectAsync(404, "GET", "/v2/apps/a");
        Assert.That(((JsonArray)await client.ExpectAsync(200, "GET", "/v2/deployments")), Is.Empty, "no task ran: the stop finished at once");

        var second = (await client.ExpectAsync(201, "POST", "/v2/apps", App("/b")))["deployments"]![0]!["id"]!.GetValue<string>();
        var (status, _) = await client.SendAsync("DELETE", $"/v2/deployments/{second}?force=true");
        Assert.That(status, Is.EqualTo(202));
        await client.ExpectAsync(200, "GET", "/v2/apps/b");
        await client.ExpectAsync(200, "PUT", "/v2/apps/b", new JsonObject { ["instances"] = 0 });
        await client.ExpectAsync(404, "DELETE", "/v2/deployments/nope");
    }

    [Test]
    public async Task The_label_selector_filters_the_app_list()
    {
        var a = App("/x/a");
        a["labels"] = new JsonObject { ["HAPROXY_GROUP"] = "external", ["tier"] = "web" };
        var b = App("/x/b");
        b["labels"] = new JsonObject { ["tier"] = "db" };
        await client.ExpectAsync(201, "POST", "/v2/apps", a);
        await client.ExpectAsync(201, "POST", "/v2/apps", b);
        async Task<string[]> Ids(string query) =>
            ((JsonArray)(await client.ExpectAsync(200, "GET", "/v2/apps?" + query))["apps"]!).Select(x => x!["id"]!.GetValue<string>()).ToArray();
        Assert.That(await Ids("label=tier==web"), Is.EqualTo(new[] { "/x/a" }));
        Assert.That(await Ids("label=tier!=web"), Is.EqualTo(new[] { "/x/b" }));
        Assert.That(await Ids("label=HAPROXY_GROUP"), Is.EqualTo(new[] { "/x/a" }));
        Assert.That(await Ids("label=tier%20in%20(web,%20db)"), Is.EqualTo(new[] { "/x/a", "/x/b" }));
        var embedded = (await client.ExpectAsync(200, "GET", "/v2/apps?embed=apps.tasks"))["apps"]![0]!;
        Assert.That(embedded["tasks"], Is.Not.Null);
        Assert.That((await client.ExpectAsync(200, "GET", "/v2/apps"))["apps"]![0]!["tasks"], Is.Null);
        var queue = (await client.ExpectAsync(200, "GET", "/v2/queue"))["queue"]!.AsArray();
        Assert.That(queue.Select(q => q!["app"]!["id"]!.GetValue<string>()), Is.EquivalentTo(new[] { "/x/a", "/x/b" }), "no agent: both wait in the queue");
    }

    [Test]
    public async Task Credentials_are_demanded_when_configured_basic_or_token()
    {
        await using var secured = await MockMarathon.StartAsync(new MockMarathonOptions { Username = "u", Password = "p", Token = "t0k" }, CancellationToken.None);
        using var anonymous = new MarathonClient(secured.BaseAddress);
        var denied = await anonymous.ExpectAsync(401, "GET", "/v2/apps");
        Assert.That(denied["message"]!.GetValue<string>(), Is.EqualTo("Not Authenticated!"));
        using var wrong = new MarathonClient(secured.BaseAddress, MarathonClient.Basic("u", "x"));
        await wrong.ExpectAsync(401, "GET", "/v2/apps");
        using var basic = new MarathonClient(secured.BaseAddress, MarathonClient.Basic("u", "p"));
        await basic.ExpectAsync(200, "GET", "/v2/apps");
        using var token = new MarathonClient(secured.BaseAddress, "token=t0k");
        await token.ExpectAsync(200, "GET", "/v2/info");
    }

    [Test]
    public async Task Fault_hooks_fail_hang_and_stop_with_real_shaped_answers_and_every_request_is_logged()
    {
        api.FailNext("GET", "/v2/apps", 503);
        var unavailable = await client.ExpectAsync(503, "GET", "/v2/apps");
        Assert.That(unavailable["message"]!.GetValue<string>(), Is.EqualTo("Could not determine the current leader"));
        api.FailNext("*", "/v2/apps/x", 409);
        Assert.That((await client.ExpectAsync(409, "PUT", "/v2/apps/x", App("/x")))["deployments"], Is.Not.Null);
        api.FailNext("POST", "/v2/apps", 502);
        var (status, html) = await client.SendAsync("POST", "/v2/apps", App());
        Assert.That(status, Is.EqualTo(502));
        Assert.That(html!.GetValue<string>(), Does.Contain("502 Bad Gateway"));
        await client.ExpectAsync(201, "POST", "/v2/apps", App());

        api.Hang("GET", "/v2/info", TimeSpan.FromSeconds(30));
        using (var impatient = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMilliseconds(500) })
            Assert.ThrowsAsync<TaskCanceledException>(async () => await impatient.GetAsync("v2/info"));
        await client.ExpectAsync(200, "GET", "/v2/info");

        var logged = api.Requests.Where(r => r.Method == "POST").ToList();
        Assert.That(logged.Select(r => r.StatusCode), Is.EqualTo(new[] { 502, 201 }));
        Assert.That(logged[1].Body, Does.Contain("\"/group/app\""));
        Assert.That(api.Apps.Keys, Is.EqualTo(new[] { "/group/app" }));

        await api.StopAsync();
        var refused = Assert.ThrowsAsync<HttpRequestException>(async () => await client.SendAsync("GET", "/ping"));
        Assert.That(refused!.InnerException, Is.InstanceOf<SocketException>().With.Property(nameof(SocketException.SocketErrorCode)).EqualTo(SocketError.ConnectionRefused));
    }

    [Test]
    public async Task Every_fixture_parses_and_info_and_change_results_have_the_fixtures_shape()
    {
        foreach (var name in MarathonFixtures.Names) Assert.That(MarathonFixtures.Json(name), Is.Not.Null, name);
        var info = await client.ExpectAsync(200, "GET", "/v2/info");
        Assert.That(JsonShape.Differences(MarathonFixtures.Json("info.json"), info), Is.Empty);
        Assert.That(info["leader"]!.GetValue<string>(), Is.EqualTo($"127.0.0.1:{api.BaseAddress.Port}"));
        Assert.That((await client.SendAsync("GET", "/ping")).Body!.GetValue<string>(), Is.EqualTo("pong"));
        await client.ExpectAsync(201, "POST", "/v2/apps", App());
        var result = await client.ExpectAsync(200, "PUT", "/v2/apps/group/app?force=true", new JsonObject { ["instances"] = 3 });
        Assert.That(JsonShape.Differences(MarathonFixtures.Json("deployments_result.json"), result), Is.Empty);
        var deleted = await client.ExpectAsync(200, "DELETE", "/v2/apps/group/app?force=true");
        Assert.That(JsonShape.Differences(MarathonFixtures.Json("deployments_result.json"), deleted), Is.Empty);
    }
}
