using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Tests.Harness;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// Runs one pod on this node, as the kubelet's pod worker does: a sandbox container holding the pod's network (and, with
/// shareProcessNamespace, process) namespace, the init containers in order, then the containers joined to it; restarts
/// per restartPolicy (bounded), probes, and writes the pod's status through the /status subresource when it changes.
/// </summary>
public sealed partial class PodRunner : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly DockerClient docker;
    private readonly NodeAgentOptions options;
    private readonly ILogger logger;
    private readonly string uid, ns, name;
    private readonly List<ContainerSlot> initSlots, slots;
    private readonly PodVolumes volumes;
    private readonly PodStatusBuilder statusBuilder;
    private readonly SemaphoreSlim wake = new(0);
    private readonly CancellationTokenSource stop = new();
    private V1Pod pod;
    private Task loop = Task.CompletedTask;
    private string? sandboxId;
    private string podIp = "";
    private bool volumesReady;
    private string lastWritten = "";

    public PodRunner(IKubernetes client, DockerClient docker, NodeAgentOptions options, ILogger logger, V1Pod pod)
    {
        this.client = client;
        this.docker = docker;
        this.options = options;
        this.logger = logger;
        this.pod = pod;
        uid = pod.Metadata.Uid;
        ns = pod.Metadata.NamespaceProperty ?? "default";
        name = pod.Metadata.Name;
        initSlots = (pod.Spec.InitContainers ?? []).Select(c => new ContainerSlot(c, init: true)).ToList();
        slots = pod.Spec.Containers.Select(c => new ContainerSlot(c, init: false)).ToList();
        volumes = new PodVolumes(docker, client, options, pod);
        statusBuilder = new PodStatusBuilder(options.NodeIp);
    }

    public string Uid => uid;

    /// <summary>Set once the pod is being deleted: the runner tears down and removes the pod object.</summary>
    public bool Terminating { get; private set; }

    public void Start() => loop = Task.Run(() => RunAsync(stop.Token));

    /// <summary>The pod object changed (from the watch).</summary>
    public void Update(V1Pod changed)
    {
        if (changed.Metadata.Uid != uid) return;
        pod = changed;
        wake.Release();
    }

    /// <summary>Stops the pod's containers and removes them and its volumes; with <paramref name="finalize"/> then removes the pod object (it was being deleted gracefully).</summary>
    public async Task StopAsync(bool finalize, CancellationToken ct)
    {
        Terminating = true;
        await stop.CancelAsync();
        try { await loop; }
        catch (OperationCanceledException) { }
        await TearDownAsync(ct);
        if (!finalize) return;
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name, ns, gracePeriodSeconds: 0,
                body: new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = uid } }, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict) { }
        LogFinalized(logger, ns, name);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(finalize: false, CancellationToken.None);
        stop.Dispose();
        wake.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        await AdoptExistingAsync(ct);
        await SyncLoop.RunAsync(SyncAsync, token => wake.WaitAsync(options.SyncInterval, token), reason => LogSyncFailed(logger, ns, name, reason), ct);
    }

    /// <summary>Containers of this pod left by an earlier agent (same uid) are taken over, not created twice.</summary>
    private async Task AdoptExistingAsync(CancellationToken ct)
    {
        foreach (var c in await ListOwnAsync(docker, $"{NodeLabels.PodUid}={uid}", ct))
        {
            var container = NodeLabels.Of(c, NodeLabels.Container);
            if (container == NodeLabels.SandboxContainer) sandboxId = c.ID;
            else if (initSlots.Concat(slots).FirstOrDefault(s => s.Spec.Name == container) is { } slot) slot.Id = c.ID;
        }
    }

    private async Task SyncAsync(CancellationToken ct)
    {
        if (!await EnsureSandboxAsync(ct))
        {
            await WriteStatusAsync(ct);
            return;
        }
        if (!volumesReady)
        {
            try
            {
                await volumes.PrepareAsync(podIp, ct);
                volumesReady = true;
            }
            catch (PodConfigException e)
            {
                foreach (var slot in initSlots.Concat(slots).Where(s => s.Id is null)) slot.Waiting = ("CreateContainerConfigError", e.Message);
                await WriteStatusAsync(ct);
                return;
            }
        }
        var initDone = true;
        foreach (var slot in initSlots)
        {
            await SyncContainerAsync(slot, ct);
            if (!slot.Completed)
            {
                initDone = false;
                break;
            }
        }
        if (initDone)
            foreach (var slot in slots) await SyncContainerAsync(slot, ct);
        await WriteStatusAsync(ct);
    }

    /// <summary>Creates and starts the sandbox unless it runs. False when the pod cannot run yet (its status says why).</summary>
    private async Task<bool> EnsureSandboxAsync(CancellationToken ct)
    {
        if (sandboxId is not null)
        {
            ContainerInspectResponse inspect;
            try { inspect = await docker.Containers.InspectContainerAsync(sandboxId, ct); }
            catch (DockerContainerNotFoundException) { inspect = null!; }
            if (inspect is { State.Running: true })
            {
                podIp = IpOf(inspect);
                return true;
            }
            // The sandbox died: the kubelet makes a new one and starts every container again in it.
            LogSandboxGone(logger, ns, name);
            await RemoveContainersAsync(ct);
            sandboxId = null;
            foreach (var slot in initSlots.Concat(slots))
            {
                if (slot.Terminated is not null || slot.Running) slot.RestartCount++;
                slot.Id = null;
                slot.RunningSince = null;
            }
        }
        if (!await ImagePresentAsync(options.SandboxImage, ct))
        {
            foreach (var slot in initSlots.Concat(slots)) slot.Waiting = ("ContainerCreating", $"sandbox image {options.SandboxImage} is not on the node");
            return false;
        }
        var hostNetwork = pod.Spec.HostNetwork == true;
        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = DockerName(NodeLabels.SandboxContainer),
            Image = options.SandboxImage,
            Entrypoint = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"],
            Hostname = hostNetwork ? null : Hostname(),
            Labels = NodeLabels.For(options.ClusterId, pod, NodeLabels.SandboxContainer),
            HostConfig = new HostConfig
            {
                NetworkMode = hostNetwork ? "host" : options.Network,
                IpcMode = "shareable",
                Init = false,
            },
        }, ct);
        sandboxId = created.ID;
        await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct);
        var started = await docker.Containers.InspectContainerAsync(created.ID, ct);
        podIp = IpOf(started);
        LogSandboxStarted(logger, ns, name, podIp);
        return true;
    }

    private async Task SyncContainerAsync(ContainerSlot slot, CancellationToken ct)
    {
        if (slot.Id is null)
        {
            await CreateAndStartAsync(slot, ct);
            return;
        }
        ContainerInspectResponse inspect;
        try { inspect = await docker.Containers.InspectContainerAsync(slot.Id, ct); }
        catch (DockerContainerNotFoundException)
        {
            // Removed behind the agent's back: made again, as a restart.
            slot.Id = null;
            slot.RunningSince = null;
            slot.RestartCount++;
            return;
        }
        slot.Observe(inspect);
        if (slot.Running)
        {
            await ProbeAsync(slot, ct);
            return;
        }
        if (slot.Terminated is not { } exit) return;
        var policy = pod.Spec.RestartPolicy ?? "Always";
        if (slot.Init && policy == "Always") policy = "OnFailure";
        var restart = policy == "Always" || (policy == "OnFailure" && exit.ExitCode != 0);
        if (!restart) return;
        if (slot.RestartCount >= options.MaxRestarts)
        {
            slot.Waiting = ("CrashLoopBackOff", $"restarted {slot.RestartCount} times, the test node's limit: not restarting {slot.Spec.Name} again");
            slot.RestartAt ??= DateTimeOffset.MaxValue;
            slot.LastTerminated = exit;
            return;
        }
        var now = DateTimeOffset.UtcNow;
        if (slot.RestartAt is null)
        {
            var backoff = TimeSpan.FromMilliseconds(Math.Min(options.MaxRestartBackoff.TotalMilliseconds, 500 * Math.Pow(2, slot.RestartCount)));
            slot.RestartAt = now + backoff;
            slot.LastTerminated = exit;
            slot.Waiting = ("CrashLoopBackOff", $"back-off {backoff.TotalSeconds:0.#}s restarting failed container={slot.Spec.Name} pod={name}_{ns}({uid})");
            return;
        }
        if (now < slot.RestartAt) return;
        slot.RestartAt = null;
        slot.RestartCount++;
        try
        {
            await docker.Containers.StartContainerAsync(slot.Id, new ContainerStartParameters(), ct);
            slot.Waiting = null;
            slot.Observe(await docker.Containers.InspectContainerAsync(slot.Id, ct));
            LogRestarted(logger, ns, name, slot.Spec.Name, slot.RestartCount);
        }
        catch (DockerApiException e)
        {
            slot.Waiting = ("RunContainerError", OneLine.Of(e.Message));
        }
    }

    private async Task CreateAndStartAsync(ContainerSlot slot, CancellationToken ct)
    {
        var spec = slot.Spec;
        if (!await ImagePresentAsync(spec.Image, ct))
        {
            // Images are built offline; a missing one cannot be pulled, as on a node without registry access.
            slot.Waiting = ("ErrImagePull", $"failed to pull image \"{spec.Image}\": the image is not on the node and no registry is reachable");
            return;
        }
        CreateContainerParameters parameters;
        try
        {
            parameters = await ContainerParametersAsync(spec, ct);
        }
        catch (PodConfigException e)
        {
            slot.Waiting = ("CreateContainerConfigError", e.Message);
            return;
        }
        try
        {
            var created = await docker.Containers.CreateContainerAsync(parameters, ct);
            slot.Id = created.ID;
        }
        catch (DockerApiException e)
        {
            slot.Waiting = ("CreateContainerError", OneLine.Of(e.Message));
            return;
        }
        try
        {
            await docker.Containers.StartContainerAsync(slot.Id, new ContainerStartParameters(), ct);
            slot.Observe(await docker.Containers.InspectContainerAsync(slot.Id, ct));
            LogStarted(logger, ns, name, spec.Name);
        }
        catch (DockerApiException e)
        {
            // Docker leaves a container that could not start as created (exit code 127/128): restarts apply to it.
            slot.Waiting = ("RunContainerError", OneLine.Of(e.Message));
            slot.Terminated = new V1ContainerStateTerminated { ExitCode = 128, Reason = "StartError", Message = OneLine.Of(e.Message), FinishedAt = DateTime.UtcNow };
        }
    }

    private async Task<CreateContainerParameters> ContainerParametersAsync(V1Container spec, CancellationToken ct)
    {
        var env = await PodEnvironment.BuildAsync(client, pod, spec, podIp, options.NodeIp, ct);
        var defined = env.Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var host = new HostConfig
        {
            NetworkMode = $"container:{sandboxId}",
            IpcMode = $"container:{sandboxId}",
            PidMode = pod.Spec.ShareProcessNamespace == true ? $"container:{sandboxId}" : null,
            Mounts = volumes.MountsOf(spec),
        };
        ContainerPrivileges.Apply(host, spec, options.NativePrivileged);
        return new CreateContainerParameters
        {
            Name = DockerName(spec.Name),
            Image = spec.Image,
            // command replaces the image's entrypoint (and its CMD); args alone replace only the CMD.
            Entrypoint = spec.Command is { Count: > 0 } command ? command.Select(c => PodEnvironment.Expand(c, defined)).ToList() : null,
            Cmd = spec.Args is { Count: > 0 } args ? args.Select(a => PodEnvironment.Expand(a, defined)).ToList() : null,
            Env = env,
            WorkingDir = spec.WorkingDir,
            User = ContainerPrivileges.UserOf(pod, spec),
            Tty = spec.Tty == true,
            OpenStdin = spec.Stdin == true,
            Labels = NodeLabels.For(options.ClusterId, pod, spec.Name),
            HostConfig = host,
        };
    }

    private async Task ProbeAsync(ContainerSlot slot, CancellationToken ct)
    {
        if (slot.Readiness is { } readiness) await readiness.ProbeIfDueAsync(docker, slot.Id!, podIp, ct);
        if (slot.Liveness is { } liveness && await liveness.ProbeIfDueAsync(docker, slot.Id!, podIp, ct) && liveness.Healthy == false)
        {
            LogLivenessFailed(logger, ns, name, slot.Spec.Name, liveness.LastMessage);
            var grace = (uint)Math.Clamp(pod.Spec.TerminationGracePeriodSeconds ?? 30, 0, 5);
            await docker.Containers.StopContainerAsync(slot.Id!, new ContainerStopParameters { WaitBeforeKillSeconds = grace }, ct);
        }
    }

    private async Task WriteStatusAsync(CancellationToken ct)
    {
        var status = statusBuilder.Build(pod, initSlots, slots, podIp, sandboxId is not null);
        var json = KubernetesJson.Serialize(status);
        if (json == lastWritten) return;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            V1Pod current;
            try { current = await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: ct); }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return; }
            if (current.Metadata.Uid != uid) return;
            current.Status = status;
            try
            {
                await client.CoreV1.ReplaceNamespacedPodStatusAsync(current, name, ns, cancellationToken: ct);
                lastWritten = json;
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict) { }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return; }
        }
    }

    private async Task TearDownAsync(CancellationToken ct)
    {
        await RemoveContainersAsync(ct);
        await PodVolumes.RemoveAsync(docker, options, uid, ct);
        LogTornDown(logger, ns, name);
    }

    /// <summary>Removes the pod's containers, the sandbox last (the others live in its namespaces).</summary>
    private async Task RemoveContainersAsync(CancellationToken ct)
    {
        var containers = await ListOwnAsync(docker, $"{NodeLabels.PodUid}={uid}", ct);
        foreach (var c in containers.OrderBy(c => NodeLabels.Of(c, NodeLabels.Container) == NodeLabels.SandboxContainer ? 1 : 0))
        {
            try { await docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct); }
            catch (DockerContainerNotFoundException) { }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict) { } // removal already in progress
        }
    }

    public static async Task<IList<ContainerListResponse>> ListOwnAsync(DockerClient docker, string label, CancellationToken ct) =>
        await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
        }, ct);

    private async Task<bool> ImagePresentAsync(string image, CancellationToken ct)
    {
        try
        {
            await docker.Images.InspectImageAsync(image, ct);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private string IpOf(ContainerInspectResponse inspect) =>
        pod.Spec.HostNetwork == true ? options.NodeIp
        : inspect.NetworkSettings.Networks.TryGetValue(options.Network, out var endpoint) ? endpoint.IPAddress : "";

    private string Hostname()
    {
        var hostname = pod.Spec.Hostname ?? name;
        return hostname.Length > 63 ? hostname[..63].TrimEnd('-', '.') : hostname;
    }

    private string DockerName(string container) => $"{options.ClusterId}_{ns}_{name}_{container}_{uid[..Math.Min(8, uid.Length)]}";

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: sandbox started at {PodIp}")]
    private static partial void LogSandboxStarted(ILogger logger, string @namespace, string name, string podIp);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Namespace}/{Name}: the sandbox is gone, starting the pod again")]
    private static partial void LogSandboxGone(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: container {Container} started")]
    private static partial void LogStarted(ILogger logger, string @namespace, string name, string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: container {Container} restarted ({Count})")]
    private static partial void LogRestarted(ILogger logger, string @namespace, string name, string container, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: container {Container} failed its liveness probe ({Reason}), stopping it")]
    private static partial void LogLivenessFailed(ILogger logger, string @namespace, string name, string container, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Namespace}/{Name}: sync failed: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string @namespace, string name, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: containers and volumes removed")]
    private static partial void LogTornDown(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: finalised")]
    private static partial void LogFinalized(ILogger logger, string @namespace, string name);
}
