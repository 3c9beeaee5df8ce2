using Docker.DotNet;
using Federation.Tests.Marathon.Agent;
using Federation.Tests.Marathon.Lb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Tests.Marathon;

/// <summary>
/// One Marathon cluster for tests: the mock Marathon, one Mesos agent running its tasks on the local dockerd (on a Docker
/// network of the cluster whose gateway is the agent's address), and marathon-lb. Dispose removes every container and network it made.
/// </summary>
public sealed class MarathonTestCluster : IAsyncDisposable
{
    private readonly DockerClient docker;
    private MockMarathon? api;
    private MesosAgent? agent;
    private MarathonLb? lb;

    private MarathonTestCluster(MarathonTestClusterOptions options, DockerClient docker)
    {
        Options = options;
        this.docker = docker;
        Network = $"{options.Prefix}-{options.Name}-mesos";
        AgentPrefix = $"{options.Prefix}-{options.Name}";
    }

    public MarathonTestClusterOptions Options { get; }

    /// <summary>The Docker network of BRIDGE/USER tasks.</summary>
    public string Network { get; }

    /// <summary>The value of the agent label on every task container.</summary>
    public string AgentPrefix { get; }

    /// <summary>The Marathon URL (http://127.0.0.1:PORT/).</summary>
    public Uri BaseAddress => Api.BaseAddress;

    /// <summary>The mock Marathon with its test hooks.</summary>
    public MockMarathon Api => api ?? throw new InvalidOperationException("the cluster has not started");

    public MesosAgent Agent => agent ?? throw new InvalidOperationException("the cluster has not started");

    public MarathonLb Lb => lb ?? throw new InvalidOperationException("the cluster has not started");

    /// <summary>The agent's address: tasks' host, where their host ports are published.</summary>
    public string AgentAddress => Agent.Address;

    /// <summary>Where this host reaches the app's service port <paramref name="portIndex"/> through marathon-lb ("127.0.0.1:port").</summary>
    public string ServiceAddress(string appId, int portIndex = 0) => Lb.ServiceAddress(appId, portIndex);

    /// <exception cref="InvalidOperationException">Docker is not reachable: one line saying so.</exception>
    public static async Task<MarathonTestCluster> StartAsync(MarathonTestClusterOptions options, CancellationToken ct)
    {
        var docker = new DockerClientConfiguration(new Uri("unix:///var/run/docker.sock")).CreateClient();
        try
        {
            await docker.System.PingAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or DockerApiException or IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            docker.Dispose();
            throw new InvalidOperationException($"Docker is not reachable at /var/run/docker.sock: {e.Message}");
        }
        var cluster = new MarathonTestCluster(options, docker);
        try
        {
            await cluster.StartPartsAsync(ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(CancellationToken ct)
    {
        var loggers = Options.LoggerFactory ?? NullLoggerFactory.Instance;
        await MesosAgent.RemoveContainersAsync(docker, AgentPrefix, ct);
        var address = await AgentNetwork.CreateAsync(docker, Network, ct);
        api = await MockMarathon.StartAsync(Options.Api, ct, loggers);
        agent = new MesosAgent(api.State, docker, Options.Agent(new MesosAgentOptions { Prefix = AgentPrefix, Network = Network }), loggers.CreateLogger<MesosAgent>());
        await agent.StartAsync(address, ct);
        lb = new MarathonLb(api.State, address, loggers.CreateLogger<MarathonLb>());
        lb.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (lb is not null) await lb.DisposeAsync();
        if (agent is not null) await agent.DisposeAsync();
        await MesosAgent.RemoveContainersAsync(docker, AgentPrefix, CancellationToken.None);
        await AgentNetwork.RemoveAsync(docker, Network, CancellationToken.None);
        if (api is not null) await api.DisposeAsync();
        docker.Dispose();
    }
}
