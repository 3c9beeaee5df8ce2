using System.Text.Json.Nodes;
using Docker.DotNet;
using Federation.Adapters.Docker;
using Federation.Tests.Marathon.Validation;

namespace Federation.Tests.Marathon.Tests;

/// <summary>What the Docker containerizer does with an app definition: the fixture app, failures, privileged tasks with host path volumes.</summary>
[TestFixture]
public sealed class ContainerizerTests() : ClusterFixture("ctz")
{
    [Test]
    public async Task The_fixture_app_runs_and_the_answers_have_the_fixtures_shape()
    {
        var volume = Directory.CreateTempSubdirectory("fedmara-fixture-").FullName;
        try
        {
            // Adjusted only where it cannot run here: the image, cmd (args start the test app), the fetched URIs, the
            // hostname constraint and role (this agent's), the host path, and env for the test app's port and memory.
            var app = MarathonFixtures.Json("app.json");
            app["id"] = AppId;
            app["container"]!["docker"]!["image"] = TestAppImage;
            app.Remove("cmd");
            app["args"] = new JsonArray("/app/testapp");
            app["fetch"] = new JsonArray();
            app["constraints"]![0]![2] = Cluster.AgentAddress.Replace(".", "\\.", StringComparison.Ordinal);
            app["acceptedResourceRoles"] = new JsonArray("*");
            app["container"]!["volumes"]![0]!["hostPath"] = volume;
            app["env"]!["PORT"] = "80";
            app["env"]!["MIB"] = "2";
            var created = await Client.ExpectAsync(201, "POST", "/v2/apps", app);
            Assert.That(created["deployments"]![0]!["id"], Is.Not.Null);

            var tasks = await Eventually.WaitAsync(async () =>
            {
                var answer = await Client.ExpectAsync(200, "GET", $"/v2/apps{AppId}/tasks");
                return answer["tasks"]!.AsArray().Count == 2 && answer["tasks"]!.AsArray().All(t => t!["state"]!.GetValue<string>() == "TASK_RUNNING") ? answer : null;
            }, "both tasks of the fixture app running");
            string[] taskExtras = ["servicePorts", "agentId", "ipAddresses", "healthCheckResults", "disk", "gpus", "localVolumes"];
            Assert.That(JsonShape.Differences(MarathonFixtures.Json("app_tasks.json"), tasks, p => taskExtras.Any(x => p == $"/tasks[]/{x}")), Is.Empty);

            var expected = MarathonFixtures.Json("app.json");
            expected.Remove("cmd");
            var got = await AppAsync(AppId);
            var readOnly = AppSchema.StatusFields.Concat(AppSchema.OtherFields.Keys).Select(f => "/" + f).ToHashSet();
            var maps = new HashSet<string> { "/env", "/labels", "/ipAddress/labels", "/portDefinitions[]/labels", "/container/docker/portMappings[]/labels" };
            Assert.That(JsonShape.Differences(expected, got, readOnly.Contains, maps), Is.Empty);
            var env = got["env"]!.AsObject();
            Assert.That(env["XPS1"]!.GetValue<string>(), Is.EqualTo("Test"));

            var port = got["tasks"]![0]!["ports"]![0]!.GetValue<int>();
            Assert.That(await LineClient.AskAsync($"{Cluster.AgentAddress}:{port}"), Does.StartWith("counter="), "containerPort 80 mapped to the task's host port");
        }
        finally
        {
            await Client.SendAsync("DELETE", $"/v2/apps{AppId}?force=true");
            await Eventually.WaitAsync(async () => await ContainersOfAsync(AppId) == 0, "the fixture app's containers removed");
            Directory.Delete(volume, recursive: true);
        }
    }

    [Test]
    public async Task A_missing_image_fails_the_task_with_a_message_and_the_deployment_keeps_running()
    {
        var app = TestApp(AppId);
        app["container"]!["docker"]!["image"] = "fedmara/not-here:1";
        var deployment = (await Client.ExpectAsync(201, "POST", "/v2/apps", app))["deployments"]![0]!["id"]!.GetValue<string>();
        var failure = await Eventually.WaitAsync(async () => (await AppAsync(AppId))["lastTaskFailure"], "the launch failure recorded");
        Assert.That(failure["state"]!.GetValue<string>(), Is.EqualTo("TASK_FAILED"));
        Assert.That(failure["message"]!.GetValue<string>(), Does.Contain("fedmara/not-here:1"));
        Assert.That(await DeploymentRunningAsync(deployment), Is.True);
        var queue = (await Client.ExpectAsync(200, "GET", "/v2/queue"))["queue"]!.AsArray();
        Assert.That(queue.Any(q => q!["app"]!["id"]!.GetValue<string>() == AppId), "the app waits in the queue");
        await Client.ExpectAsync(200, "DELETE", $"/v2/apps{AppId}?force=true");
    }

    [Test]
    public async Task An_unknown_docker_parameter_fails_the_task_like_docker_run()
    {
        var app = TestApp(AppId);
        app["container"]!["docker"]!["parameters"] = new JsonArray(new JsonObject { ["key"] = "label", ["value"] = "a=b" }, new JsonObject { ["key"] = "no-such-flag", ["value"] = "1" });
        await Client.ExpectAsync(201, "POST", "/v2/apps", app);
        var failure = await Eventually.WaitAsync(async () => (await AppAsync(AppId))["lastTaskFailure"], "the launch failure recorded");
        Assert.That(failure["message"]!.GetValue<string>(), Does.Contain("unknown flag: --no-such-flag"));
        Assert.That(await ContainersOfAsync(AppId), Is.EqualTo(0));
        await Client.ExpectAsync(200, "DELETE", $"/v2/apps{AppId}?force=true");
    }

    [Test]
    public async Task A_task_that_cannot_be_placed_waits_in_the_queue()
    {
        var app = TestApp(AppId);
        app["constraints"] = new JsonArray(new JsonArray("hostname", "LIKE", "srv2.*"));
        await Client.ExpectAsync(201, "POST", "/v2/apps", app);
        var entry = await Eventually.WaitAsync(async () => (await Client.ExpectAsync(200, "GET", "/v2/queue"))["queue"]!.AsArray()
            .FirstOrDefault(q => q!["app"]!["id"]!.GetValue<string>() == AppId && q["processedOffersSummary"]!["rejectSummaryLastOffers"]!.AsArray().Count > 0),
            "the app in the queue with a declined offer");
        Assert.That(entry["processedOffersSummary"]!["rejectSummaryLastOffers"]![0]!["reason"]!.GetValue<string>(), Is.EqualTo("UnfulfilledConstraint"));
        Assert.That(await ContainersOfAsync(AppId), Is.EqualTo(0));
        await Client.ExpectAsync(200, "DELETE", $"/v2/apps{AppId}?force=true");
    }

    [Test]
    public async Task The_runtime_images_dockerd_runs_as_a_privileged_task_with_host_path_volumes()
    {
        var runtimeImage = Federation.RuntimeModule.Tests.TestEnvironment.RuntimeImage;
        var moduleDir = RuntimeLaunchOptions.DefaultModuleDirectory();
        var dotnet = RuntimeLaunchOptions.DefaultDotnetRoot();
        Assert.That(File.Exists(Path.Combine(moduleDir, "Federation.RuntimeModule.dll")), "the module is built next to the tests: " + moduleDir);
        var run = Directory.CreateTempSubdirectory("fedmara-run-").FullName;
        try
        {
            var app = new JsonObject
            {
                ["id"] = AppId,
                ["cpus"] = 0.5,
                ["mem"] = 1024,
                ["cmd"] = "exec dockerd --experimental --data-root /var/lib/docker -H unix:///var/lib/federation/run/docker.sock",
                ["container"] = new JsonObject
                {
                    ["type"] = "DOCKER",
                    ["docker"] = new JsonObject
                    {
                        ["image"] = runtimeImage,
                        ["network"] = "BRIDGE",
                        ["privileged"] = true,
                        ["parameters"] = new JsonArray(
                            new JsonObject { ["key"] = "tmpfs", ["value"] = "/run" },
                            new JsonObject { ["key"] = "tmpfs", ["value"] = "/var/lib/docker" },
                            new JsonObject { ["key"] = "label", ["value"] = "federation.runtime=marathon-test" }),
                    },
                    ["volumes"] = new JsonArray(
                        new JsonObject { ["hostPath"] = run, ["containerPath"] = "/var/lib/federation/run", ["mode"] = "RW" },
                        new JsonObject { ["hostPath"] = moduleDir, ["containerPath"] = "/opt/federation/runtime", ["mode"] = "RO" },
                        new JsonObject { ["hostPath"] = dotnet, ["containerPath"] = dotnet, ["mode"] = "RO" }),
                },
                ["healthChecks"] = new JsonArray(
                    new JsonObject { ["protocol"] = "COMMAND", ["command"] = new JsonObject { ["value"] = "test -S /var/lib/federation/run/docker.sock" }, ["gracePeriodSeconds"] = 60, ["intervalSeconds"] = 1, ["timeoutSeconds"] = 5 },
                    new JsonObject { ["protocol"] = "COMMAND", ["command"] = new JsonObject { ["value"] = $"test -f /opt/federation/runtime/Federation.RuntimeModule.dll && test -x {dotnet}/dotnet" }, ["intervalSeconds"] = 1, ["timeoutSeconds"] = 5 }),
            };
            var deployment = (await Client.ExpectAsync(201, "POST", "/v2/apps", app))["deployments"]![0]!["id"]!.GetValue<string>();
            await DeploymentDoneAsync(deployment, seconds: 120);

            using var inner = new DockerClientConfiguration(new Uri($"unix://{run}/docker.sock")).CreateClient();
            var info = await inner.System.GetSystemInfoAsync();
            Assert.That(info.ServerVersion, Is.Not.Empty, "the dockerd inside the task answers through the host path volume");
            Assert.That(info.Containers, Is.EqualTo(0));
            using var docker = Federation.RuntimeModule.Tests.TestEnvironment.OuterDocker();
            var task = Cluster.Api.State.Tasks(AppId).Single();
            var inspect = await docker.Containers.InspectContainerAsync(Cluster.Agent.ContainerOf(task.Id)!);
            Assert.That(inspect.Name, Does.StartWith("/mesos-"));
            Assert.That(inspect.Config.Labels["federation.runtime"], Is.EqualTo("marathon-test"), "the label parameter");
            Assert.That(inspect.Config.Env, Has.Member($"MESOS_TASK_ID={task.Id}").And.Member($"MARATHON_APP_ID={AppId}"));
        }
        finally
        {
            await Client.SendAsync("DELETE", $"/v2/apps{AppId}?force=true");
            await Eventually.WaitAsync(async () => await ContainersOfAsync(AppId) == 0, "the runtime task's container removed");
            Directory.Delete(run, recursive: true);
        }
    }
}
