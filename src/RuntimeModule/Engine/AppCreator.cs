using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers CreateApp: records the app in the app registry, then starts its container (active) or
/// leaves it waiting for a restore (passive). Creating the same spec again is a no-op. A new app runs at
/// generation 0.
/// </summary>
public sealed partial class AppCreator(
    DockerSocket docker,
    AppRegistry registry,
    AppContainers containers,
    AppDescriber describer,
    ContainerFilesystem filesystem,
    ILogger<AppCreator> logger)
{
    public async Task<App> CreateAsync(AppSpec spec, StartMode mode, CancellationToken ct)
    {
        AppSpecValidator.Validate(spec);
        containers.CheckSharedVolumes(spec);
        if (mode == StartMode.Unspecified) mode = StartMode.Active;

        var existing = await registry.GetAsync(spec.Name, ct);
        var container = await containers.FindAsync(spec.Name, ct);
        if (existing is null && container is { State: "created" })
        {
            // Never started and in no record: what a create interrupted before its record left behind.
            foreach (var leftover in await containers.ListOfAppAsync(spec.Name, ct)) await containers.RemoveQuietlyAsync(leftover.ID);
            container = null;
        }
        if (existing is not null || container is not null)
        {
            if (existing is not null && existing.Spec.Equals(spec)) return await describer.GetAsync(spec.Name, ct);
            throw new FederationException(FederationError.AlreadyExists, $"app '{spec.Name}' already exists in this runtime");
        }
        await containers.EnsureImagesAsync(spec, ct);
        // An app removed after it was fenced: a passive one may wait for a newer copy, an active one would be generation 0 again.
        var fencedBelow = await registry.FencedBelowAsync(spec.Name, ct);
        if (mode == StartMode.Active) AppFencing.RefuseBelowFence(spec.Name, fencedBelow, 0, "create");
        if (mode == StartMode.Passive)
        {
            var prepared = await PrepareContainerAsync(spec, ct);
            await registry.PutAsync(new AppRecord(spec, mode, CheckpointedAway: false, RestoredFrom: "", Generation: 0, FencedBelow: fencedBelow, PreparedContainer: prepared), ct);
            LogRegisteredPassive(logger, spec.Name);
            return await describer.GetAsync(spec.Name, ct);
        }
        await registry.PutAsync(new AppRecord(spec, mode, CheckpointedAway: false, RestoredFrom: "", Generation: 0, FencedBelow: fencedBelow), ct);

        var ids = await containers.CreateAsync(spec, ct);
        try
        {
            // In list order: the first owns the network namespace the others join.
            foreach (var id in ids) await docker.Client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct);
        }
        catch (DockerApiException e)
        {
            foreach (var id in ids) await containers.RemoveQuietlyAsync(id);
            await registry.DeleteAsync(spec.Name, CancellationToken.None);
            throw FederationException.FailedPrecondition($"app '{spec.Name}' did not start: {AppContainers.DockerMessage(e)}");
        }
        LogStarted(logger, spec.Name, string.Join(", ", ids));
        return await describer.GetAsync(spec.Name, ct);
    }

    /// <summary>
    /// Creates the passive app's container now, not started, so that the restore (while the app is frozen at its source) only fills and
    /// starts it; its id goes into the app's record (<see cref="AppRecord.PreparedContainer"/>), written after it exists. A failure here
    /// is only logged (empty id): the restore creates the container and reports what fails then.
    /// </summary>
    private async Task<string> PrepareContainerAsync(AppSpec spec, CancellationToken ct)
    {
        // A workload of several: its containers are created by the restore (a prepared first one would be joined by nothing).
        if (AppSpecContainers.IsListed(spec)) return "";
        try
        {
            var id = (await containers.CreateAsync(spec, ct))[0];
            try
            {
                // Its upper directory and volume mountpoints asked now, so the restore does not ask them inside the freeze.
                await filesystem.LocateAsync(id, spec, ct);
            }
            catch (DockerApiException e)
            {
                LogNotLocated(logger, spec.Name, e.Message);
            }
            return id;
        }
        catch (FederationException e)
        {
            LogNotPrepared(logger, spec.Name, e.Message);
            return "";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: its container was not created ahead of the restore ({Reason}); the restore creates it")]
    private static partial void LogNotPrepared(ILogger logger, string app, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "app {App}: the prepared container's paths were not found ahead ({Reason}); the restore asks them")]
    private static partial void LogNotLocated(ILogger logger, string app, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} registered passive, waiting for a restore")]
    private static partial void LogRegisteredPassive(ILogger logger, string app);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} started as container(s) {Containers}")]
    private static partial void LogStarted(ILogger logger, string app, string containers);
}
