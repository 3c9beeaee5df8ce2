using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Marathon.Tests;

/// <summary>A Marathon test cluster per fixture; Docker missing fails the tests with the reason (never skips them).</summary>
public abstract class ClusterFixture(string name)
{
    protected MarathonTestCluster Cluster { get; private set; } = null!;
    protected MarathonClient Client { get; private set; } = null!;
    protected static string TestAppImage => Federation.RuntimeModule.Tests.TestEnvironment.TestAppImage;

    /// <summary>A fresh app id per test.</summary>
    protected string AppId { get; private set; } = "";

    [OneTimeSetUp]
    public async Task StartClusterAsync()
    {
        Federation.RuntimeModule.Tests.TestEnvironment.RequireDocker();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Cluster = await MarathonTestCluster.StartAsync(new MarathonTestClusterOptions
        {
            Name = name,
            // FEDTEST_MARATHON_LOG=1 shows what the agent and marathon-lb do.
            LoggerFactory = Environment.GetEnvironmentVariable("FEDTEST_MARATHON_LOG") == "1"
                ? LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information))
                : null,
        }, timeout.Token);
        Client = new MarathonClient(Cluster.BaseAddress);
    }

    [OneTimeTearDown]
    public async Task StopClusterAsync()
    {
        Client?.Dispose();
        if (Cluster is not null) await Cluster.DisposeAsync();
    }

    [SetUp]
    public void NewAppId()
    {
        var method = TestContext.CurrentContext.Test.MethodName!.ToLowerInvariant().Replace('_', '-');
        AppId = $"/t/{method[..Math.Min(30, method.Length)].Trim('-')}-{Guid.NewGuid():N}"[..^24];
    }

    /// <summary>The test app (one line per connection on PORT) on a BRIDGE port mapping with a host port, a TCP health check, in marathon-lb.</summary>
    protected JsonObject TestApp(string id, int instances = 1) => new()
    {
        ["id"] = id,
        ["instances"] = instances,
        ["cpus"] = 0.1,
        ["mem"] = 64,
        ["env"] = new JsonObject { ["PORT"] = "7000", ["MIB"] = "4" },
        ["labels"] = new JsonObject { ["HAPROXY_GROUP"] = "external" },
        ["container"] = new JsonObject
        {
            ["type"] = "DOCKER",
            ["docker"] = new JsonObject { ["image"] = TestAppImage, ["network"] = "BRIDGE" },
            ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = 7000, ["hostPort"] = 0, ["name"] = "app" }),
        },
        ["healthChecks"] = new JsonArray(new JsonObject
        {
            ["protocol"] = "TCP", ["portIndex"] = 0, ["gracePeriodSeconds"] = 30, ["intervalSeconds"] = 1, ["timeoutSeconds"] = 2, ["maxConsecutiveFailures"] = 3,
        }),
        ["backoffSeconds"] = 1,
    };

    protected async Task<JsonObject> AppAsync(string id) => (JsonObject)(await Client.ExpectAsync(200, "GET", $"/v2/apps{id}"))["app"]!;

    protected async Task<bool> DeploymentRunningAsync(string deploymentId) =>
        ((JsonArray)await Client.ExpectAsync(200, "GET", "/v2/deployments")).Any(d => d!["id"]!.GetValue<string>() == deploymentId);

    /// <summary>Waits until the deployment is no longer listed (it finished).</summary>
    protected Task DeploymentDoneAsync(string deploymentId, int seconds = 60) =>
        Eventually.WaitAsync(async () => !await DeploymentRunningAsync(deploymentId), $"deployment {deploymentId} finished", seconds);

    /// <summary>Docker containers the agent runs for the app.</summary>
    protected async Task<int> ContainersOfAsync(string appId)
    {
        using var docker = Federation.RuntimeModule.Tests.TestEnvironment.OuterDocker();
        var found = await docker.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{Agent.AgentLabels.App}={appId}"] = true } },
        });
        return found.Count(c => c.Labels.TryGetValue(Agent.AgentLabels.Agent, out var a) && a == Cluster.AgentPrefix);
    }
}
