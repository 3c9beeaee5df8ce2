using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers GetApp and ListApps: an app's state from its record in the app registry (passive
/// registrations, apps that moved away, generation and fence) and its container, if it has one. A
/// container Docker calls running is reported paused when its processes are frozen (its cgroup freezer) or
/// cut off by the network lock of a dump that never ended: that is how a dump whose CRIU died leaves an app. A workload of
/// several is described by its first container, then checked against the others (running only when all run).
/// </summary>
public sealed class AppDescriber(
    DockerSocket docker,
    AppRegistry registry,
    AppContainers containers,
    AppStopSettling settling,
    ContainerFreezer freezer,
    CriuNetworkLock networkLock,
    CheckpointVolume volume,
    CheckpointsInProgress checkpoints,
    Lazy.LazyDumps lazyDumps)
{
    public async Task<App> GetAsync(string name, CancellationToken ct)
    {
        Names.CheckAppName(name);
        await settling.SettledAsync(name, ct);
        var record = await registry.GetAsync(name, ct);
        var container = await containers.FindAsync(name, ct);
        if (record is null && container is null) throw FederationException.NotFound($"app '{name}' is not in this runtime");
        return await DescribeAsync(name, record, container, ct);
    }

    public async Task<IReadOnlyList<App>> ListAsync(CancellationToken ct)
    {
        await settling.AllSettledAsync(ct);
        var records = (await registry.ListAsync(ct)).ToDictionary(r => r.Spec.Name);
        var byName = await containers.ListByAppAsync(ct);
        var apps = new List<App>();
        foreach (var name in records.Keys.Union(byName.Keys).Order(StringComparer.Ordinal))
            apps.Add(await DescribeAsync(name, records.GetValueOrDefault(name), byName.GetValueOrDefault(name), ct));
        return apps;
    }

    private async Task<App> DescribeAsync(string name, AppRecord? record, ContainerListResponse? container, CancellationToken ct)
    {
        var app = new App
        {
            RestoredFrom = record?.RestoredFrom ?? "",
            Generation = record?.Generation ?? 0,
            FencedBelow = await registry.FencedBelowAsync(name, ct),
            CheckpointInProgress = checkpoints.IsRunning(name),
            Failure = record?.Failure ?? "",
        };
        if (container is null)
        {
            app.Spec = record!.Spec;
            app.State = record.CheckpointedAway ? AppState.Checkpointed : AppState.WaitingForRestore;
            return app;
        }
        var inspect = await docker.Client.Containers.InspectContainerAsync(container.ID, ct);
        app.Spec = record?.Spec ?? AppContainers.SpecFrom(inspect, name);
        app.ContainerId = container.ID;
        app.ExitCode = (int)inspect.State.ExitCode;
        app.State = inspect.State.Status switch
        {
            // A lazy dump holds the app's processes only to serve their pages to where the app now runs.
            "running" when lazyDumps.IsServing(name) => AppState.Checkpointed,
            "running" => await RunningStateAsync(name, container.ID, inspect.State.Pid, ct),
            "paused" => AppState.Paused,
            // The passive app's container made ahead of its restore: still waiting for it.
            "created" when record is { StartMode: StartMode.Passive, RestoredFrom: "" } && record.PreparedContainer == container.ID => AppState.WaitingForRestore,
            "created" => AppState.Created,
            _ when record?.CheckpointedAway == true => AppState.Checkpointed,
            _ => AppState.Exited,
        };
        if (app.State == AppState.Running && AppSpecContainers.IsListed(app.Spec)) await CheckOtherContainersAsync(name, record, app, ct);
        if (DateTime.TryParse(inspect.State.StartedAt, null, System.Globalization.DateTimeStyles.AdjustToUniversal, out var started) && started.Year > 1)
            app.StartedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(started, DateTimeKind.Utc));
        return app;
    }

    /// <summary>
    /// A workload of several whose first container runs: it runs only when all its containers do; it is paused when any is
    /// frozen; a container that stopped makes it exited (with that container's exit code) or, after a final checkpoint, checkpointed.
    /// </summary>
    private async Task CheckOtherContainersAsync(string name, AppRecord? record, App app, CancellationToken ct)
    {
        var expected = AppSpecContainers.Of(app.Spec).Select(c => c.Name).ToList();
        var members = await containers.FindAllAsync(name, ct);
        foreach (var containerName in expected.Skip(1))
        {
            var member = members.FirstOrDefault(m => AppContainers.ContainerName(m) == containerName);
            if (member is null)
            {
                app.State = record?.CheckpointedAway == true ? AppState.Checkpointed : AppState.Exited;
                return;
            }
            var inspect = await docker.Client.Containers.InspectContainerAsync(member.ID, ct);
            var state = inspect.State.Status switch
            {
                "running" => await RunningStateAsync(name, member.ID, inspect.State.Pid, ct),
                "paused" => AppState.Paused,
                "created" => AppState.Created,
                _ when record?.CheckpointedAway == true => AppState.Checkpointed,
                _ => AppState.Exited,
            };
            if (state == AppState.Running) continue;
            app.State = state;
            if (state == AppState.Exited) app.ExitCode = (int)inspect.State.ExitCode;
            if (state != AppState.Paused) return;
        }
    }

    /// <summary>Docker's "running", checked against the app's processes.</summary>
    private async Task<AppState> RunningStateAsync(string name, string containerId, long pid, CancellationToken ct)
    {
        if (await freezer.IsFrozenAsync(containerId, pid, ct) == true) return AppState.Paused;
        // Listed before asking whether a dump runs: a dump counts itself running before it makes its work directory.
        var unfinished = volume.UnfinishedDumps(name);
        if (unfinished.Count > 0 && !checkpoints.IsRunning(name) && await networkLock.IsLockedAsync(pid, ct)) return AppState.Paused;
        return AppState.Running;
    }
}
