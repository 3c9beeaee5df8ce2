using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>The passive target a migration prepares in its destination cluster, as the fault tests reach it.</summary>
public static class PassiveTargets
{
    /// <summary>
    /// Sends the heartbeats a source's saga sends for <paramref name="migrationId"/> (the destination reaps a target whose
    /// source falls silent), until disposed; for tests that prepare a target through the peer API themselves.
    /// Bounded: at most ten minutes of one beat a second.
    /// </summary>
    public static IAsyncDisposable KeepAlive(CoordinatorPeer.CoordinatorPeerClient peer, string migrationId, string sourceCluster = "a")
    {
        var stop = new CancellationTokenSource();
        var beats = Task.Run(async () =>
        {
            for (var beat = 0; beat < 600 && !stop.IsCancellationRequested; beat++)
            {
                try
                {
                    await peer.HeartbeatAsync(new HeartbeatRequest { MigrationId = migrationId, SourceCluster = sourceCluster },
                        deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: stop.Token);
                }
                catch (RpcException) { } // not prepared yet, or already gone: the next beat tells
                try { await Task.Delay(TimeSpan.FromSeconds(1), stop.Token); }
                catch (OperationCanceledException) { }
            }
        });
        return new Stopper(stop, beats);
    }

    private sealed class Stopper(CancellationTokenSource stop, Task beats) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try { await beats; }
            catch (OperationCanceledException) { }
            stop.Dispose();
        }
    }

    /// <summary>
    /// Sabotages the restore: once the passive app in the node's cluster waits for its restore, removes
    /// the test app's image from that runtime.
    /// </summary>
    public static async Task RemoveAppImageAsync(CoordinatorNode node, string name)
    {
        var target = await WaitForAsync(node, name);
        using var inner = new DockerClientConfiguration(new Uri("unix://" + target.DockerSocketHostPath)).CreateClient();
        // The container made for the restore ahead of it goes too: it would keep the image's layers, and the restore would use it.
        var made = await inner.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"federation.app={name}"] = true } },
        });
        foreach (var container in made) await inner.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
        await inner.Images.DeleteImageAsync(TestEnvironment.TestAppImage, new ImageDeleteParameters { Force = true });
    }

    /// <summary>A PrepareTarget for the test app as cluster a's coordinator would send it, for tests that speak the peer API themselves.</summary>
    public static PrepareTargetRequest PrepareRequest(string name, string migrationId, string firstCheckpoint) => new()
    {
        MigrationId = migrationId,
        SourceCluster = "a",
        Workload = new V1.WorkloadRef { Namespace = "default", Name = name },
        Spec = TestApp.Spec(name, TestEnvironment.TestAppImage, 8, 0),
        FirstCheckpoint = firstCheckpoint,
    };

    /// <summary>The target runtime in a cluster, once its passive app waits for the restore.</summary>
    public static async Task<RuntimeInstance> WaitForAsync(CoordinatorNode node, string name)
    {
        var adapter = (DockerHostAdapter)node.Services.GetRequiredService<IOrchestratorAdapter>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var runtime = await adapter.Host.FindRuntimeAsync(adapter.RuntimeName(new WorkloadId("default", name)), CancellationToken.None);
            if (runtime is not null)
            {
                try
                {
                    var engine = node.Services.GetRequiredService<Coordinator.Engines.RuntimeEngines>().For(runtime.EngineEndpoint);
                    var app = await engine.GetAppAsync(new GetAppRequest { Name = name });
                    if (app.State == AppState.WaitingForRestore) return runtime;
                }
                catch (RpcException) { }
            }
            await Task.Delay(100);
        }
        Assert.Fail($"the target never waited for its restore in cluster {node.Cluster}");
        return null!;
    }
}
