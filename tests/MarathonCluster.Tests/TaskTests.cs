using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon.Tests;

/// <summary>Apps whose tasks run on the local dockerd: deployments, health, marathon-lb, restarts, deletion, rollback.</summary>
[TestFixture]
public sealed class TaskTests() : ClusterFixture("tasks")
{
    [Test]
    public async Task The_test_app_runs_as_a_task_passes_its_tcp_health_check_and_answers_through_marathon_lb()
    {
        var created = await Client.ExpectAsync(201, "POST", "/v2/apps", TestApp(AppId));
        var deployment = created["deployments"]![0]!["id"]!.GetValue<string>();
        Assert.That(await DeploymentRunningAsync(deployment), Is.True, "the deployment runs until the task is healthy");
        await DeploymentDoneAsync(deployment);

        var app = await AppAsync(AppId);
        Assert.That(app["tasksRunning"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(app["tasksHealthy"]!.GetValue<int>(), Is.EqualTo(1));
        var task = app["tasks"]![0]!;
        Assert.That(task["state"]!.GetValue<string>(), Is.EqualTo("TASK_RUNNING"));
        Assert.That(task["host"]!.GetValue<string>(), Is.EqualTo(Cluster.AgentAddress));
        var hostPort = task["ports"]![0]!.GetValue<int>();
        Assert.That(hostPort, Is.InRange(31000, 32000), "hostPort 0 gets a port of the agent's range");
        Assert.That(task["healthCheckResults"]![0]!["alive"]!.GetValue<bool>(), Is.True);
        Assert.That(task["ipAddresses"]![0]!["ipAddress"]!.GetValue<string>(), Is.Not.EqualTo(Cluster.AgentAddress), "the container's own address");

        var direct = await LineClient.AskAsync($"{Cluster.AgentAddress}:{hostPort}");
        var throughLb = await LineClient.AskAsync(Cluster.ServiceAddress(AppId, 0));
        Assert.That(direct, Does.StartWith("counter="));
        Assert.That(LineClient.SeedOf(throughLb), Is.EqualTo(LineClient.SeedOf(direct)), "marathon-lb forwards to the task");
        var servicePort = app["container"]!["portMappings"]![0]!["servicePort"]!.GetValue<int>();
        Assert.That(servicePort, Is.InRange(10000, 20000), "servicePort 0 gets one of Marathon's local ports");
        Assert.That(await LineClient.AskAsync($"{Cluster.AgentAddress}:{servicePort}"), Does.StartWith("counter="), "marathon-lb on the agent's address at the service port");
    }

    [Test]
    public async Task A_killed_task_is_replaced_and_marathon_lb_follows_at_once()
    {
        var deployment = (await Client.ExpectAsync(201, "POST", "/v2/apps", TestApp(AppId)))["deployments"]![0]!["id"]!.GetValue<string>();
        await DeploymentDoneAsync(deployment);
        var first = (await AppAsync(AppId))["tasks"]![0]!;
        var seed = LineClient.SeedOf(await LineClient.AskAsync(Cluster.ServiceAddress(AppId, 0)));

        var killed = await Client.ExpectAsync(200, "DELETE", $"/v2/apps{AppId}/tasks/{first["id"]}");
        Assert.That(killed["task"]!["id"]!.GetValue<string>(), Is.EqualTo(first["id"]!.GetValue<string>()));
        var second = await Eventually.WaitAsync(async () =>
            (await AppAsync(AppId))["tasks"]!.AsArray().FirstOrDefault(t => t!["id"]!.GetValue<string>() != first["id"]!.GetValue<string>()
                && t!["healthCheckResults"]?[0]?["alive"]?.GetValue<bool>() == true),
            "a new healthy task");
        Assert.That((await AppAsync(AppId))["tasks"]!.AsArray(), Has.Count.EqualTo(1), "the killed one is gone");
        Assert.That(await ContainersOfAsync(AppId), Is.EqualTo(1), "its container was removed");
        var answer = await LineClient.AskAsync(Cluster.ServiceAddress(AppId, 0));
        Assert.That(LineClient.SeedOf(answer), Is.Not.EqualTo(seed), "the new process answers through marathon-lb");
        _ = second;
    }

    [Test]
    public async Task A_task_whose_process_dies_is_restarted_and_recorded_as_the_last_failure()
    {
        var deployment = (await Client.ExpectAsync(201, "POST", "/v2/apps", TestApp(AppId)))["deployments"]![0]!["id"]!.GetValue<string>();
        await DeploymentDoneAsync(deployment);
        var first = (await AppAsync(AppId))["tasks"]![0]!["id"]!.GetValue<string>();
        Assert.That(await LineClient.AskAsync(Cluster.ServiceAddress(AppId, 0), "EXIT 3"), Does.StartWith("bye"));

        var failure = await Eventually.WaitAsync(async () => (await AppAsync(AppId))["lastTaskFailure"], "the failure recorded");
        Assert.That(failure["taskId"]!.GetValue<string>(), Is.EqualTo(first));
        Assert.That(failure["state"]!.GetValue<string>(), Is.EqualTo("TASK_FAILED"));
        Assert.That(failure["message"]!.GetValue<string>(), Does.Contain("status 3"));
        await Eventually.WaitAsync(async () => (await AppAsync(AppId))["tasksHealthy"]!.GetValue<int>() == 1, "a replacement task healthy");
        Assert.That((await AppAsync(AppId))["tasks"]![0]!["id"]!.GetValue<string>(), Is.Not.EqualTo(first));
    }

    [Test]
    public async Task Deleting_an_app_ends_its_deployment_only_when_its_tasks_are_gone()
    {
        var deployment = (await Client.ExpectAsync(201, "POST", "/v2/apps", TestApp(AppId, instances: 2)))["deployments"]![0]!["id"]!.GetValue<string>();
        await DeploymentDoneAsync(deployment);
        Assert.That(await ContainersOfAsync(AppId), Is.EqualTo(2));

        var deleted = await Client.ExpectAsync(200, "DELETE", $"/v2/apps{AppId}");
        var deletion = deleted["deploymentId"]!.GetValue<string>();
        await Client.ExpectAsync(404, "GET", $"/v2/apps{AppId}");
        await DeploymentDoneAsync(deletion);
        Assert.That(await ContainersOfAsync(AppId), Is.EqualTo(0), "the deployment ended after the containers were removed");
        Assert.That(Cluster.Api.State.Tasks(AppId), Is.Empty);
    }

    [Test]
    public async Task A_never_healthy_deployment_stays_until_it_is_rolled_back_and_the_old_tasks_keep_serving()
    {
        var deployment = (await Client.ExpectAsync(201, "POST", "/v2/apps", TestApp(AppId)))["deployments"]![0]!["id"]!.GetValue<string>();
        await DeploymentDoneAsync(deployment);
        var seed = LineClient.SeedOf(await LineClient.AskAsync(Cluster.ServiceAddress(AppId, 0)));

        // The new version listens on another port than its health check asks: never healthy.
        var broken = TestApp(AppId);
        broken["env"]!["PORT"] = "7001";
        broken["healthChecks"]![0]!["maxConsecutiveFailures"] = 0;
        var update = (await Client.ExpectAsync(200, "PUT", $"/v2/apps{AppId}", broken))["deploymentId"]!.GetValue<string>();
        await Eventually.WaitAsync(async () => (await AppAsync(AppId))["tasks"]!.AsArray().Count == 2, "the new task started beside the old one");
        Assert.That(await DeploymentRunningAsync(update), Is.True, "not healthy: the deployment keeps running");
        var locked = await Client.SendAsync("PUT", $"/v2/apps{AppId}", new JsonObject { ["instances"] = 2 });
        Assert.That(locked.Status, Is.EqualTo(409));
        Assert.That(locked.Body!["deployments"]![0]!["id"]!.GetValue<string>(), Is.EqualTo(update));
        Assert.That(LineClient.SeedOf(await LineClient.AskAsync(Cluster.ServiceAddress(AppId, 0))), Is.EqualTo(seed), "the old task still serves");

        var rollback = (await Client.ExpectAsync(200, "DELETE", $"/v2/deployments/{update}"))["deploymentId"]!.GetValue<string>();
        Assert.That(rollback, Is.Not.EqualTo(update));
        await DeploymentDoneAsync(rollback);
        var app = await AppAsync(AppId);
        Assert.That(app["env"]!["PORT"]!.GetValue<string>(), Is.EqualTo("7000"), "the previous definition is back");
        Assert.That(app["tasks"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(LineClient.SeedOf(await LineClient.AskAsync(Cluster.ServiceAddress(AppId, 0))), Is.EqualTo(seed), "the old task was kept");
        Assert.That(await ContainersOfAsync(AppId), Is.EqualTo(1), "the new task's container was removed");
    }
}
