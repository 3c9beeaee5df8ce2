using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers GetApp and ListApps: an app's state from its record in the app registry (passive
/// registrations, apps that moved away, generation and fence) and its container, if it has one. A
/// container Docker calls running whose processes are frozen (its cgroup freezer) is reported paused:
/// that is how an interrupted dump leaves an app.
/// </summary>
public sealed class AppDescriber(
    DockerSocket docker,
    AppRegistry registry,
    AppContainers containers,
    AppStopSettling settling,
    ContainerFreezer freezer,
    CheckpointsInProgress checkpoints)
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
            "running" => await freezer.IsFrozenAsync(container.ID, inspect.State.Pid, ct) == true ? AppState.Paused : AppState.Running,
            "paused" => AppState.Paused,
            "created" => AppState.Created,
            _ when record?.CheckpointedAway == true => AppState.Checkpointed,
            _ => AppState.Exited,
        };
        if (DateTime.TryParse(inspect.State.StartedAt, null, System.Globalization.DateTimeStyles.AdjustToUniversal, out var started) && started.Year > 1)
            app.StartedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(started, DateTimeKind.Utc));
        return app;
    }
}
