using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Adapters.Docker;
using Federation.Coordinator.Engines;
using Federation.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// Two real runtimes ("clusters" A and B) on the local dockerd, each with its Engine, the test app
/// image loaded into both. Shared by the tests of one fixture; removed afterwards. They are named
/// <c>{prefix}-a</c> and <c>{prefix}-b</c>, where the prefix is FEDTEST_RUNTIME_PREFIX when set (so that two
/// runs on one Docker host leave each other alone), else the fixture's own.
/// </summary>
public sealed class TwoRuntimes : IAsyncDisposable
{
    private readonly DockerClient docker;
    private readonly RuntimeEngines engines;
    private readonly List<GrpcChannel> channels = [];

    private TwoRuntimes(DockerClient docker, RuntimeEngines engines, DockerRuntimeHost host)
    {
        this.docker = docker;
        this.engines = engines;
        Host = host;
    }

    public DockerRuntimeHost Host { get; }
    public RuntimeInstance A { get; private set; } = null!;
    public RuntimeInstance B { get; private set; } = null!;
    public V1.Engine.EngineClient EngineA { get; private set; } = null!;
    public V1.Engine.EngineClient EngineB { get; private set; } = null!;

    /// <summary>The name prefix of this run's runtimes: FEDTEST_RUNTIME_PREFIX, or <paramref name="fallback"/>.</summary>
    public static string Prefix(string fallback) =>
        Environment.GetEnvironmentVariable("FEDTEST_RUNTIME_PREFIX") is { Length: > 0 } prefix ? prefix : fallback;

    /// <param name="sharedVolumes">A host directory both runtimes bind as their shared storage; null: none.</param>
    public static async Task<TwoRuntimes> StartAsync(string prefix, CancellationToken ct, string? sharedVolumes = null)
    {
        TestEnvironment.RequireDocker();
        var docker = TestEnvironment.OuterDocker();
        // The coordinator's Engine client, as the Docker-host adapter gets it.
        var engines = new RuntimeEngines(Federation.Common.Auth.BearerToken.New());
        var host = new DockerRuntimeHost(docker, new RuntimeLaunchOptions
        {
            RuntimeImage = TestEnvironment.RuntimeImage, OwnerLabel = "federation-test", Network = prefix, SharedVolumesDirectory = sharedVolumes,
        }, engines);
        // Only this run's own leftovers: another run's runtimes may share the start of the name.
        foreach (var stale in await host.ListRuntimesAsync(ct))
        {
            if (stale == $"{prefix}-a" || stale == $"{prefix}-b") await host.RemoveAsync(stale, ct);
        }
        var runtimes = new TwoRuntimes(docker, engines, host);
        var a = host.StartRuntimeAsync($"{prefix}-a", [TestApp.Port], ct);
        var b = host.StartRuntimeAsync($"{prefix}-b", [TestApp.Port], ct);
        runtimes.A = await a;
        runtimes.B = await b;
        runtimes.EngineA = runtimes.Engine(runtimes.A);
        runtimes.EngineB = runtimes.Engine(runtimes.B);
        foreach (var runtime in new[] { runtimes.A, runtimes.B })
        {
            var loaded = await host.LoadImageAsync(runtime, TestEnvironment.TestAppImage, ct);
            Assert.That(loaded, Does.Contain(TestEnvironment.TestAppImage));
        }
        return runtimes;
    }

    /// <summary>The runtime's Engine through the coordinator's client, with the cluster's credential.</summary>
    public V1.Engine.EngineClient Engine(RuntimeInstance runtime) => engines.For(runtime.EngineEndpoint);

    /// <summary>The runtime's Engine as a stranger reaches it: no credential, or the one given.</summary>
    public V1.Engine.EngineClient Stranger(RuntimeInstance runtime, string? credential = null)
    {
        var channel = GrpcChannel.ForAddress(runtime.EngineEndpoint);
        channels.Add(channel);
        return credential is null
            ? new V1.Engine.EngineClient(channel)
            : new V1.Engine.EngineClient(channel.Intercept(Federation.Common.Auth.CallHeadersInterceptor.Bearer(credential)));
    }

    /// <summary>
    /// Kills the runtime's Engine container without a goodbye (SIGKILL: whatever it runs dies with it, a dump's
    /// runc and CRIU too) and starts it again on the same volume, then waits until it answers.
    /// </summary>
    public async Task KillAndRestartEngineAsync(RuntimeInstance runtime, CancellationToken ct)
    {
        await docker.Containers.KillContainerAsync(runtime.EngineContainerId, new ContainerKillParameters { Signal = "SIGKILL" }, ct);
        await docker.Containers.WaitContainerAsync(runtime.EngineContainerId, ct);
        await docker.Containers.StartContainerAsync(runtime.EngineContainerId, new ContainerStartParameters(), ct);
        await engines.WaitForEngineAsync(runtime.EngineEndpoint, runtime.Name, TimeSpan.FromSeconds(60), _ => Task.FromResult<string?>(null), ct);
    }

    /// <summary>What the runtime's Engine has written to stdout and stderr so far.</summary>
    public async Task<string> EngineLogAsync(RuntimeInstance runtime)
    {
        using var stream = await docker.Containers.GetContainerLogsAsync(runtime.EngineContainerId, tty: false,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, CancellationToken.None);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(CancellationToken.None);
        return stdout + stderr;
    }

    /// <summary>The inner dockerd of a runtime, through its socket on the state volume.</summary>
    public static DockerClient InnerDocker(RuntimeInstance runtime) =>
        new DockerClientConfiguration(new Uri("unix://" + runtime.DockerSocketHostPath)).CreateClient();

    /// <summary>The host port where the app port of a runtime is published on 127.0.0.1.</summary>
    public static int AppPort(RuntimeInstance runtime) => runtime.PublishedPorts[TestApp.Port];

    /// <summary>
    /// Moves a checkpoint with the sync module, peer to peer: B's Engine opens a transfer (one-time
    /// token), A's Engine pushes the directory straight to B's Sync receiver over the Docker network.
    /// </summary>
    public async Task<TransferProgress> TransferAsync(RuntimeInstance from, RuntimeInstance to, string app, string checkpoint)
    {
        var source = from == A ? EngineA : EngineB;
        var target = to == A ? EngineA : EngineB;
        var opened = await target.OpenTransferAsync(new OpenTransferRequest { App = app, Checkpoint = checkpoint });
        using var push = source.PushCheckpoint(new PushCheckpointRequest
        {
            App = app,
            Checkpoint = checkpoint,
            TargetEndpoint = to.PeerEngineEndpoint.ToString(),
            Token = opened.Token,
        });
        TransferProgress? last = null;
        await foreach (var progress in push.ResponseStream.ReadAllAsync()) last = progress;
        Assert.That(last?.Completed, Is.True, "the push stream ends with a completed transfer");
        return last!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in channels) channel.Dispose();
        if (A is not null) await Host.RemoveAsync(A.Name, CancellationToken.None);
        if (B is not null) await Host.RemoveAsync(B.Name, CancellationToken.None);
        docker.Dispose();
        engines.Dispose();
    }
}
