using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Tests.Kube;

/// <summary>
/// The test cluster's controller manager: Deployment, ReplicaSet, StatefulSet and Endpoints controllers and the garbage
/// collector, as a client of the API server. Watches of every kind they read wake one level-triggered reconcile loop,
/// which lists afresh and lets each controller converge; a pass that lost a race (409) is followed by another.
/// </summary>
public sealed partial class KubeControllers : IAsyncDisposable
{
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(2);
    private readonly IKubernetes client;
    private readonly ILogger logger;
    private readonly SemaphoreSlim wake = new(0);
    private readonly CancellationTokenSource stop = new();
    private readonly List<Func<CancellationToken, Task>> watches = new();
    private readonly DeploymentController deployments;
    private readonly ReplicaSetController replicaSets;
    private readonly StatefulSetController statefulSets;
    private readonly EndpointsController endpoints;
    private readonly GarbageCollector collector;
    private readonly List<Task> tasks = new();

    public KubeControllers(IKubernetes client, ILogger? logger = null)
    {
        this.client = client;
        this.logger = logger ?? NullLogger.Instance;
        deployments = new DeploymentController(client, this.logger);
        replicaSets = new ReplicaSetController(client, this.logger);
        statefulSets = new StatefulSetController(client, this.logger);
        endpoints = new EndpointsController(client, this.logger);
        collector = new GarbageCollector(client, this.logger);
        Watch<V1Deployment, V1DeploymentList>("deployments", ct => client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct),
            (rv, e, ct) => client.AppsV1.WatchListDeploymentForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: e, cancellationToken: ct));
        Watch<V1ReplicaSet, V1ReplicaSetList>("replicasets", ct => client.AppsV1.ListReplicaSetForAllNamespacesAsync(cancellationToken: ct),
            (rv, e, ct) => client.AppsV1.WatchListReplicaSetForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: e, cancellationToken: ct));
        Watch<V1StatefulSet, V1StatefulSetList>("statefulsets", ct => client.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: ct),
            (rv, e, ct) => client.AppsV1.WatchListStatefulSetForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: e, cancellationToken: ct));
        Watch<V1Pod, V1PodList>("pods", ct => client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct),
            (rv, e, ct) => client.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: e, cancellationToken: ct));
        Watch<V1Service, V1ServiceList>("services", ct => client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct),
            (rv, e, ct) => client.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: e, cancellationToken: ct));
        Watch<V1Endpoints, V1EndpointsList>("endpoints", ct => client.CoreV1.ListEndpointsForAllNamespacesAsync(cancellationToken: ct),
            (rv, e, ct) => client.CoreV1.WatchListEndpointsForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: e, cancellationToken: ct));
    }

    /// <summary>How many reconcile passes have completed (for tests that wait for the controllers to settle).</summary>
    public int Passes { get; private set; }

    public void Start()
    {
        foreach (var watch in watches) tasks.Add(Task.Run(() => watch(stop.Token)));
        tasks.Add(Task.Run(() => LoopAsync(stop.Token)));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try { await Task.WhenAll(tasks); }
        catch (OperationCanceledException) { }
        stop.Dispose();
    }

    private void Watch<T, TList>(string kind, Func<CancellationToken, Task<TList>> list,
        Func<string?, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : class, IItems<T>, IMetadata<V1ListMeta>
    {
        var informer = new KubeInformer<T, TList>(kind, list, watch, logger)
        {
            OnUpsert = (_, _) => Wake(),
            OnDelete = (_, _) => Wake(),
        };
        watches.Add(informer.RunAsync);
    }

    private Task Wake()
    {
        if (wake.CurrentCount == 0) wake.Release();
        return Task.CompletedTask;
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(Resync, ct);
                var state = await ClusterState.ListAsync(client, ct);
                var settled = await deployments.ReconcileAsync(state, ct);
                settled &= await replicaSets.ReconcileAsync(state, ct);
                settled &= await statefulSets.ReconcileAsync(state, ct);
                settled &= await endpoints.ReconcileAsync(state, ct);
                settled &= await collector.ReconcileAsync(state, ct);
                Passes++;
                if (settled) continue;
                // A write lost a race: pass again soon, not in a tight loop.
                await Task.Delay(TimeSpan.FromMilliseconds(100 + Random.Shared.Next(200)), ct);
                await Wake();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPassFailed(logger, e.Message);
                try { await Task.Delay(TimeSpan.FromMilliseconds(200 + Random.Shared.Next(300)), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "controllers: reconcile pass failed: {Reason}")]
    private static partial void LogPassFailed(ILogger logger, string reason);
}
