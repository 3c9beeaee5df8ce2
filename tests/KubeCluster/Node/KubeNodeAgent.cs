using System.Collections.Concurrent;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Tests.Kube;

/// <summary>
/// The test cluster's kubelet: a client of the API server that watches pods (resuming from the last resourceVersion,
/// listing again on 410 Gone, backing off with jitter), binds unscheduled pods to its node, runs its node's pods on the
/// local dockerd (<see cref="PodRunner"/>) and writes their status back. A pod being deleted gracefully is torn down and
/// then removed; a pod deleted outright is torn down. Dispose removes every container and volume it made.
/// </summary>
public sealed partial class KubeNodeAgent : IAsyncDisposable
{
    private static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(2);
    private readonly IKubernetes client;
    private readonly DockerClient docker;
    private readonly NodeAgentOptions options;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, PodRunner> runners = new();
    private readonly ConcurrentDictionary<string, Task> teardowns = new();
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly CancellationTokenSource stop = new();
    private Task informerTask = Task.CompletedTask, resyncTask = Task.CompletedTask;

    public KubeNodeAgent(IKubernetes client, DockerClient docker, NodeAgentOptions options, ILogger? logger = null)
    {
        this.client = client;
        this.docker = docker;
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        Pods = new KubeInformer<V1Pod, V1PodList>("pods",
            ct => client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct),
            (rv, onError, ct) => client.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: onError, cancellationToken: ct),
            this.logger)
        {
            OnUpsert = HandleAsync,
            OnDelete = (pod, ct) => { Forget(pod.Metadata.Uid, finalize: false); return Task.CompletedTask; },
        };
    }

    /// <summary>The pod watch (its resourceVersion and how often it listed, for tests of 410 Gone).</summary>
    public KubeInformer<V1Pod, V1PodList> Pods { get; }

    public NodeAgentOptions Options => options;

    /// <summary>Starts watching; returns once the first list has been taken in (bounded by <paramref name="ct"/>).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.StateDirectory);
        informerTask = Task.Run(() => Pods.RunAsync(stop.Token), CancellationToken.None);
        await Pods.Synced.WaitAsync(ct);
        await RemoveStrangersAsync(ct);
        resyncTask = Task.Run(() => ResyncAsync(stop.Token), CancellationToken.None);
    }

    /// <summary>Runs a command in a container of a pod of this node (what <c>kubectl exec</c> does).</summary>
    /// <exception cref="InvalidOperationException">No such container runs here.</exception>
    public async Task<(long? ExitCode, string Output)> ExecAsync(string ns, string pod, string container, IList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        var id = await ContainerIdAsync(ns, pod, container, ct) ?? throw new InvalidOperationException($"no container {container} of pod {ns}/{pod} on node {options.NodeName}");
        return await ContainerExec.RunAsync(docker, id, command, timeout, ct);
    }

    /// <summary>A container's stdout and stderr so far (what <c>kubectl logs</c> shows), or null when no such container ran here.</summary>
    public async Task<string?> LogsAsync(string ns, string pod, string container, CancellationToken ct)
    {
        if (await ContainerIdAsync(ns, pod, container, ct) is not { } id) return null;
        using var stream = await docker.Containers.GetContainerLogsAsync(id, tty: false,
            new Docker.DotNet.Models.ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, ct);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct);
        return stdout + stderr;
    }

    /// <summary>The Docker id of a pod's container on this node, or null.</summary>
    public async Task<string?> ContainerIdAsync(string ns, string pod, string container, CancellationToken ct)
    {
        var found = await PodRunner.ListOwnAsync(docker, $"{NodeLabels.Cluster}={options.ClusterId}", ct);
        return found.FirstOrDefault(c => NodeLabels.Of(c, NodeLabels.PodNamespace) == ns && NodeLabels.Of(c, NodeLabels.PodName) == pod
            && NodeLabels.Of(c, NodeLabels.Container) == container)?.ID;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try { await Task.WhenAll(informerTask, resyncTask); }
        catch (OperationCanceledException) { }
        foreach (var uid in runners.Keys.ToList()) Forget(uid, finalize: false);
        await Task.WhenAll(teardowns.Values);
        // Anything of this cluster left behind (a teardown that failed) goes too.
        await RemoveAllAsync(CancellationToken.None);
        stop.Dispose();
    }

    private async Task HandleAsync(V1Pod pod, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var uid = pod.Metadata.Uid;
            if (string.IsNullOrEmpty(pod.Spec.NodeName))
            {
                if (pod.Metadata.DeletionTimestamp is null) await BindAsync(pod, ct);
                return;
            }
            if (pod.Spec.NodeName != options.NodeName) return;
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                Forget(uid, finalize: true, pod);
                return;
            }
            if (teardowns.ContainsKey(uid)) return;
            if (runners.TryGetValue(uid, out var runner))
            {
                runner.Update(pod);
                return;
            }
            // A finished pod of an earlier agent is not started again.
            if (pod.Status?.Phase is "Succeeded" or "Failed") return;
            runner = new PodRunner(client, docker, options, logger, pod);
            runners[uid] = runner;
            runner.Start();
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task BindAsync(V1Pod pod, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        try
        {
            await client.CoreV1.CreateNamespacedPodBindingAsync(new V1Binding
            {
                Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = ns, Uid = pod.Metadata.Uid },
                Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = options.NodeName },
            }, pod.Metadata.Name, ns, cancellationToken: ct);
            LogBound(logger, ns, pod.Metadata.Name, options.NodeName);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // Bound meanwhile, or gone: the watch brings the news.
        }
        catch (HttpOperationException e)
        {
            LogBindFailed(logger, ns, pod.Metadata.Name, $"{(int)e.Response.StatusCode} {e.Response.Content}");
        }
    }

    /// <summary>Stops a pod's runner and removes its containers (and, when it is being deleted, the pod object), in the background.</summary>
    private void Forget(string uid, bool finalize, V1Pod? pod = null)
    {
        if (teardowns.ContainsKey(uid)) return;
        runners.TryRemove(uid, out var runner);
        if (runner is null && pod is null) return;
        var task = Task.Run(async () =>
        {
            try
            {
                runner ??= new PodRunner(client, docker, options, logger, pod ?? throw new InvalidOperationException("no pod to tear down"));
                await runner.StopAsync(finalize, CancellationToken.None);
                await runner.DisposeAsync();
            }
            catch (Exception e)
            {
                LogTeardownFailed(logger, uid, e.Message);
            }
        });
        teardowns[uid] = task;
        // Kept only while it runs, so a pod of that uid is not started again during its teardown.
        _ = task.ContinueWith(_ => teardowns.TryRemove(uid, out Task? _), TaskScheduler.Default);
    }

    /// <summary>Level-triggered safety net: what the watch knows is applied again (binds that failed, runners for pods the agent missed).</summary>
    private async Task ResyncAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ResyncInterval, ct);
                var known = Pods.Snapshot();
                foreach (var pod in known) await HandleAsync(pod, ct);
                var uids = known.Select(p => p.Metadata.Uid).ToHashSet();
                foreach (var uid in runners.Keys.Where(u => !uids.Contains(u)).ToList()) Forget(uid, finalize: false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogResyncFailed(logger, e.Message);
            }
        }
    }

    /// <summary>Containers and volumes of this cluster whose pod no longer exists (an agent that did not finish) are removed.</summary>
    private async Task RemoveStrangersAsync(CancellationToken ct)
    {
        var uids = Pods.Snapshot().Select(p => p.Metadata.Uid).ToHashSet();
        foreach (var c in await PodRunner.ListOwnAsync(docker, $"{NodeLabels.Cluster}={options.ClusterId}", ct))
        {
            if (c.Labels.TryGetValue(NodeLabels.PodUid, out var uid) && !uids.Contains(uid))
                await RemoveContainerAsync(c.ID, ct);
        }
    }

    private async Task RemoveAllAsync(CancellationToken ct)
    {
        try
        {
            await RemoveClusterAsync(docker, options.ClusterId, ct);
            if (Directory.Exists(options.StateDirectory)) Directory.Delete(options.StateDirectory, recursive: true);
        }
        catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException)
        {
            LogTeardownFailed(logger, "*", e.Message);
        }
    }

    /// <summary>Removes every container and volume a node agent of that cluster made (leftovers of an earlier run too).</summary>
    public static async Task RemoveClusterAsync(DockerClient docker, string clusterId, CancellationToken ct)
    {
        var containers = await PodRunner.ListOwnAsync(docker, $"{NodeLabels.Cluster}={clusterId}", ct);
        foreach (var c in containers.OrderBy(c => NodeLabels.Of(c, NodeLabels.Container) == NodeLabels.SandboxContainer ? 1 : 0))
        {
            try { await docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct); }
            catch (DockerContainerNotFoundException) { }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict) { }
        }
        var volumes = await docker.Volumes.ListAsync(new VolumesListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{NodeLabels.Cluster}={clusterId}"] = true } },
        }, ct);
        foreach (var v in volumes.Volumes ?? new List<VolumeResponse>())
        {
            try { await docker.Volumes.RemoveAsync(v.Name, force: true, ct); }
            catch (DockerApiException) { }
        }
    }

    private async Task RemoveContainerAsync(string id, CancellationToken ct)
    {
        try { await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct); }
        catch (DockerContainerNotFoundException) { }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict) { }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name} bound to node {Node}")]
    private static partial void LogBound(ILogger logger, string @namespace, string name, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Namespace}/{Name}: binding failed: {Reason}")]
    private static partial void LogBindFailed(ILogger logger, string @namespace, string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Uid}: teardown failed: {Reason}")]
    private static partial void LogTeardownFailed(ILogger logger, string uid, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node resync failed: {Reason}")]
    private static partial void LogResyncFailed(ILogger logger, string reason);
}
