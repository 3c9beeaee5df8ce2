using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Tests.Harness;
using Federation.Tests.Marathon.Model;
using Federation.Tests.Marathon.State;
using Federation.Tests.Marathon.Validation;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Marathon.Agent;

/// <summary>
/// One Mesos agent with Marathon's scheduling folded in: for every app of the mock it launches the tasks the definition asks
/// for (if the offer fits), runs them as Docker containers, writes their state, ports and health back, kills what was asked to
/// die, replaces tasks of an old config once the new ones are healthy, relaunches failed tasks with Marathon's backoff, and
/// kills tasks whose health checks fail too often. All containers it makes carry its label; dispose removes them.
/// </summary>
public sealed partial class MesosAgent : IAsyncDisposable
{
    private readonly MarathonState state;
    private readonly DockerClient docker;
    private readonly MesosAgentOptions options;
    private readonly ILogger logger;
    private readonly Dictionary<string, TaskContainer> running = [];
    private readonly Dictionary<string, (string Config, int Failures)> backoff = [];
    private readonly CancellationTokenSource stop = new();
    private HostPortAllocator? ports;
    private Task loop = Task.CompletedTask;

    public MesosAgent(MarathonState state, DockerClient docker, MesosAgentOptions options, ILogger logger)
    {
        this.state = state;
        this.docker = docker;
        this.options = options;
        this.logger = logger;
    }

    /// <summary>The agent's address: its network's gateway, which this host and every container reach. Tasks' <c>host</c>.</summary>
    public string Address { get; private set; } = "";

    public MesosAgentOptions Options => options;

    /// <summary>
    /// Test hook: tasks of the apps it accepts (by app id) fail to launch as a task whose image cannot be pulled does, so their
    /// deployment never becomes healthy. Null: every task launches.
    /// </summary>
    public Func<string, bool>? FailLaunches { get; set; }

    /// <summary>The container of a running task (for tests that look inside), or null.</summary>
    public string? ContainerOf(string taskId)
    {
        lock (running) return running.TryGetValue(taskId, out var c) ? c.ContainerId : null;
    }

    public async Task StartAsync(string address, CancellationToken ct)
    {
        Address = address;
        ports = new HostPortAllocator(options.PortsBegin, options.PortsEnd, IPAddress.Parse(address));
        await RemoveContainersAsync(docker, options.Prefix, ct);
        loop = Task.Run(() => RunAsync(stop.Token), CancellationToken.None);
    }

    private Task RunAsync(CancellationToken ct) =>
        SyncLoop.RunAsync(SyncAsync, token => state.Signal.WaitAsync(options.SyncInterval, token), reason => LogSyncFailed(logger, reason), ct);

    private async Task SyncAsync(CancellationToken ct)
    {
        var apps = state.Apps(includeDeleting: true).ToDictionary(a => a.Id);
        var tasks = state.Tasks().ToDictionary(t => t.Id);
        // 1. What runs: gone from the state, asked to die, of a deleted app, exited, unhealthy.
        foreach (var (taskId, container) in Snapshot())
        {
            if (!tasks.TryGetValue(taskId, out var task) || task.KillRequested || !apps.TryGetValue(task.AppId, out var app) || app.Deleting)
            {
                await KillAsync(container, ct);
                continue;
            }
            ContainerInspectResponse? inspect;
            try { inspect = await docker.Containers.InspectContainerAsync(container.ContainerId, ct); }
            catch (DockerContainerNotFoundException) { inspect = null; }
            if (inspect is not { State.Running: true })
            {
                var exit = inspect?.State.ExitCode;
                var message = inspect is null ? "Container removed" : $"Container exited with status {exit}{(string.IsNullOrEmpty(inspect.State.Error) ? "" : ": " + inspect.State.Error)}";
                await RemoveContainerAsync(container, ct);
                Forget(taskId);
                state.RemoveTask(taskId, exit == 0 ? "TASK_FINISHED" : "TASK_FAILED", message);
                Backoff(app);
                LogExited(logger, taskId, message);
                continue;
            }
            await CheckHealthAsync(container, app.Spec, ct);
        }
        tasks = state.Tasks().ToDictionary(t => t.Id);
        // 2. Per app: replace, scale, launch.
        foreach (var app in apps.Values.Where(a => !a.Deleting))
        {
            var appTasks = tasks.Values.Where(t => t.AppId == app.Id && !t.KillRequested).ToList();
            var current = appTasks.Where(t => t.ConfigVersion == app.ConfigVersion).ToList();
            var old = appTasks.Where(t => t.ConfigVersion != app.ConfigVersion).ToList();
            var checks = app.Spec.HealthChecks.Count;
            if (old.Count > 0 && current.Count(t => t.Healthy(checks)) >= app.Spec.Instances)
                foreach (var t in old) await KillTaskAsync(t.Id, ct);
            if (current.Count > app.Spec.Instances)
            {
                var ordered = app.Definition["killSelection"]?.GetValue<string>() == "OLDEST_FIRST"
                    ? current.OrderBy(t => t.StagedAt, StringComparer.Ordinal)
                    : current.OrderByDescending(t => t.StagedAt, StringComparer.Ordinal);
                foreach (var t in ordered.Take(current.Count - app.Spec.Instances)) await KillTaskAsync(t.Id, ct);
            }
            var missing = app.Spec.Instances - current.Count;
            if (missing <= 0)
            {
                state.SetUnplaced(app.Id, null);
                continue;
            }
            if (DateTimeOffset.UtcNow < state.DelayOf(app.Id)) continue;
            for (var i = 0; i < missing; i++)
            {
                var reason = Placement.Check(app.Spec, options, Address, state.Tasks());
                state.SetUnplaced(app.Id, reason);
                if (reason is not null) break;
                if (!await LaunchAsync(app, ct)) break;
            }
        }
    }

    /// <summary>Launches one task of the app; false when it failed (the app backs off) or its ports could not be had.</summary>
    private async Task<bool> LaunchAsync(AppRecord app, CancellationToken ct)
    {
        var spec = app.Spec;
        var held = state.Tasks().SelectMany(t => t.Ports).ToHashSet();
        var wanted = spec.Ports.Where(p => p.HostPort is not null).Select(p => p.HostPort!.Value).ToList();
        var hostPorts = ports!.Allocate(wanted, held);
        if (hostPorts is null)
        {
            state.SetUnplaced(app.Id, "InsufficientPorts");
            return false;
        }
        var taskPorts = new List<int>();
        var h = 0;
        foreach (var p in spec.Ports) taskPorts.Add(p.HostPort is null ? p.ContainerPort : hostPorts[h++]);
        var uuid = Guid.NewGuid().ToString();
        var taskId = $"{AppIds.TaskPrefix(app.Id)}.instance-{uuid}";
        var staged = new MarathonTask(taskId, app.Id, options.AgentId, Address, taskPorts, spec.Ports.Select(p => p.ServicePort).ToList(), [],
            VersionClock.Now(), null, "TASK_STAGING", app.Version, app.ConfigVersion, [], spec.Cpus, spec.Mem, spec.Disk, options.Role);
        state.PutTask(staged);
        string? containerId = null;
        try
        {
            if (spec.Docker is { } d && (FailLaunches?.Invoke(app.Id) == true || !await ImagePresentAsync(d.Image, ct)))
                throw new TaskLaunchException($"Failed to launch container: Failed to run 'docker -H unix:///var/run/docker.sock pull {d.Image}': exited with status 1; stderr='Error response from daemon: pull access denied for {d.Image}, repository does not exist or no registry is reachable'");
            var env = TaskEnvironment.Build(spec, app.Version, taskId, Address, hostPorts);
            CreateContainerParameters create;
            try { create = ContainerFactory.Build(spec, uuid, taskId, env, hostPorts, Address, options); }
            catch (Exception e) when (e is FormatException or OverflowException) { throw new TaskLaunchException($"Failed to launch container: {e.Message}"); }
            containerId = (await docker.Containers.CreateContainerAsync(create, ct)).ID;
            await docker.Containers.StartContainerAsync(containerId, new ContainerStartParameters(), ct);
            var inspect = await docker.Containers.InspectContainerAsync(containerId, ct);
            var ip = spec.Network == "HOST" ? Address : inspect.NetworkSettings.Networks.Values.Select(n => n.IPAddress).FirstOrDefault(a => !string.IsNullOrEmpty(a)) ?? Address;
            var startedAt = DateTimeOffset.UtcNow;
            var task = staged with { State = "TASK_RUNNING", StartedAt = VersionClock.Format(startedAt.UtcDateTime), IpAddresses = [ip] };
            var container = new TaskContainer(task, containerId, spec, spec.HealthChecks.Select(c => new HealthChecker(c, taskId, startedAt)).ToList());
            lock (running) running[taskId] = container;
            state.PutTask(task);
            LogLaunched(logger, taskId, string.Join(',', taskPorts));
            return true;
        }
        catch (Exception e) when (e is TaskLaunchException or DockerApiException)
        {
            var message = e is DockerApiException api ? $"Failed to launch container: {OneLine.Of(api.ResponseBody ?? api.Message)}" : e.Message;
            if (containerId is not null) await RemoveContainerByIdAsync(containerId, ct);
            state.RemoveTask(taskId, "TASK_FAILED", message);
            Backoff(app);
            LogLaunchFailed(logger, taskId, message);
            return false;
        }
    }

    private async Task CheckHealthAsync(TaskContainer container, AppDefinition app, CancellationToken ct)
    {
        if (container.Checkers.Count == 0) return;
        var checks = container.Checkers.Select((checker, i) =>
        {
            var (host, port) = container.Endpoint(app.HealthChecks[i].PortIndex, app.HealthChecks[i].Port);
            return checker.CheckIfDueAsync(docker, container.ContainerId, host, port, ct);
        }).ToList();
        var changed = (await Task.WhenAll(checks)).Any(c => c);
        if (container.Checkers.Any(c => c.Exhausted))
        {
            LogUnhealthy(logger, container.Task.Id);
            await RemoveContainerAsync(container, ct);
            Forget(container.Task.Id);
            state.RemoveTask(container.Task.Id, "TASK_KILLED", "Task was killed since health check failed too many times in a row");
            return;
        }
        if (!changed || container.Checkers.Any(c => c.Result is null)) return;
        container.Task = container.Task with { HealthResults = container.Checkers.Select(c => c.Result!).ToList() };
        state.PutTask(container.Task);
    }

    private async Task KillTaskAsync(string taskId, CancellationToken ct)
    {
        TaskContainer? container;
        lock (running) running.TryGetValue(taskId, out container);
        if (container is null)
        {
            state.RemoveTask(taskId);
            return;
        }
        await KillAsync(container, ct);
    }

    /// <summary>Stops the task's container (SIGTERM, then SIGKILL after the app's grace, at most 5 s), removes it and the task.</summary>
    private async Task KillAsync(TaskContainer container, CancellationToken ct)
    {
        state.PutTask(container.Task with { State = "TASK_KILLING" });
        try
        {
            await docker.Containers.StopContainerAsync(container.ContainerId,
                new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Clamp(container.App.TaskKillGracePeriodSeconds, 0, 5) }, ct);
        }
        catch (DockerContainerNotFoundException) { }
        await RemoveContainerAsync(container, ct);
        Forget(container.Task.Id);
        state.RemoveTask(container.Task.Id);
        LogKilled(logger, container.Task.Id);
    }

    /// <summary>Marathon's launch backoff: backoffSeconds * backoffFactor^(failures-1), at most maxLaunchDelaySeconds (and the agent's cap); reset by a config change.</summary>
    private void Backoff(AppRecord app)
    {
        var failures = backoff.TryGetValue(app.Id, out var b) && b.Config == app.ConfigVersion ? b.Failures + 1 : 1;
        backoff[app.Id] = (app.ConfigVersion, failures);
        var seconds = Math.Min(app.Spec.BackoffSeconds * Math.Pow(app.Spec.BackoffFactor, failures - 1), app.Spec.MaxLaunchDelaySeconds);
        var delay = TimeSpan.FromSeconds(Math.Min(seconds, options.MaxLaunchDelay.TotalSeconds));
        state.SetDelay(app.Id, DateTimeOffset.UtcNow + delay);
    }

    private List<KeyValuePair<string, TaskContainer>> Snapshot()
    {
        lock (running) return running.ToList();
    }

    private void Forget(string taskId)
    {
        lock (running) running.Remove(taskId);
    }

    private Task RemoveContainerAsync(TaskContainer container, CancellationToken ct) => RemoveContainerByIdAsync(container.ContainerId, ct);

    private async Task RemoveContainerByIdAsync(string id, CancellationToken ct)
    {
        try { await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct); }
        catch (DockerContainerNotFoundException) { }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict) { }
    }

    private async Task<bool> ImagePresentAsync(string image, CancellationToken ct)
    {
        try
        {
            await docker.Images.InspectImageAsync(image, ct);
            return true;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Removes every container an agent with this prefix made (this run's or a killed earlier run's).</summary>
    public static async Task RemoveContainersAsync(DockerClient docker, string prefix, CancellationToken ct)
    {
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{AgentLabels.Agent}={prefix}"] = true } },
        }, ct);
        foreach (var c in containers)
        {
            try { await docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct); }
            catch (DockerContainerNotFoundException) { }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try { await loop; }
        catch (OperationCanceledException) { }
        await RemoveContainersAsync(docker, options.Prefix, CancellationToken.None);
        lock (running) running.Clear();
        stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "agent sync failed: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "task {TaskId} running on ports {Ports}")]
    private static partial void LogLaunched(ILogger logger, string taskId, string ports);

    [LoggerMessage(Level = LogLevel.Warning, Message = "task {TaskId} failed to launch: {Reason}")]
    private static partial void LogLaunchFailed(ILogger logger, string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "task {TaskId} ended: {Reason}")]
    private static partial void LogExited(ILogger logger, string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "task {TaskId} killed")]
    private static partial void LogKilled(ILogger logger, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "task {TaskId} failed its health checks too often: killing it")]
    private static partial void LogUnhealthy(ILogger logger, string taskId);
}
