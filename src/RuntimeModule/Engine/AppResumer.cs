using Docker.DotNet;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers Resume: makes a stopped-in-place app run and serve again. Docker paused it: unpaused through Docker.
/// A dump never ended (its Engine, and with it CRIU, died): the frozen cgroup is thawed, CRIU's network lock
/// lifted and the dump's leftovers (work directory, incomplete checkpoint) removed. Refused below the app's
/// fence (a newer copy runs elsewhere), while this Engine checkpoints the app, and while a tracer (a CRIU this
/// Engine lost) holds it; an app that runs is left alone, one that does not run (checkpointed, exited) cannot
/// be resumed.
/// </summary>
public sealed partial class AppResumer(
    DockerSocket docker,
    AppRegistry registry,
    AppDescriber describer,
    AppContainers containers,
    ContainerFreezer freezer,
    CriuNetworkLock networkLock,
    CheckpointVolume volume,
    AppLocks locks,
    ILogger<AppResumer> logger)
{
    public async Task<App> ResumeAsync(string app, ulong generation, CancellationToken ct)
    {
        Names.CheckAppName(app);
        // Under the app's lock no checkpoint can start between the checks below and the thaw.
        using var held = await locks.LockAsync(app, ct);
        var current = await describer.GetAsync(app, ct);
        AppFencing.RefuseBelowFence(app, current.FencedBelow, generation, "resume");
        if (current.CheckpointInProgress)
            throw FederationException.FailedPrecondition($"app '{app}' is being checkpointed here (its dump holds it): resume it once the checkpoint ended");
        if (current.State is not (AppState.Running or AppState.Paused))
            throw FederationException.FailedPrecondition($"app '{app}' is {AppStates.Name(current.State)} here, not frozen: nothing to resume");
        var unfinished = volume.UnfinishedDumps(app);
        if (current.State == AppState.Running && unfinished.Count == 0) return current;

        var id = current.ContainerId;
        try
        {
            var inspect = await docker.Client.Containers.InspectContainerAsync(id, ct);
            var pid = inspect.State.Pid;
            // A dump this Engine does not know of (one whose Engine died while its CRIU lives on) still holds the app.
            if (pid > 0 && RuntimeProcesses.TracerOf(pid) is { } tracer)
                throw FederationException.FailedPrecondition($"app '{app}' is held by process {tracer} (ptrace, as CRIU holds what it dumps): resume it once that ended");
            if (inspect.State.Paused)
            {
                await docker.Client.Containers.UnpauseContainerAsync(id, ct);
                LogUnpaused(logger, app);
            }
            if (unfinished.Count > 0) await networkLock.LiftAsync(app, pid, ct);
            await freezer.ThawAsync(app, id, pid, ct);
            // A workload of several: a dump cut short leaves all its containers frozen.
            foreach (var other in (await containers.FindAllAsync(app, ct)).Where(c => c.ID != id && c.State == "running"))
                await freezer.ThawAsync(app, other.ID, 0, ct);
        }
        catch (DockerApiException e)
        {
            throw FederationException.FailedPrecondition($"cannot resume app '{app}': {AppContainers.DockerMessage(e)}");
        }
        foreach (var checkpoint in unfinished)
        {
            volume.DeleteUnfinishedDump(app, checkpoint);
            LogUnfinishedDumpRemoved(logger, app, checkpoint);
        }
        // A final dump cut short marked the app as moved away before it froze it; it never moved.
        if (await registry.GetAsync(app, ct) is { CheckpointedAway: true } record)
            await registry.UpdateAsync(app, r => (r ?? record) with { CheckpointedAway = false }, ct);

        var resumed = await describer.GetAsync(app, ct);
        if (resumed.State != AppState.Running)
            throw FederationException.FailedPrecondition($"app '{app}' is {AppStates.Name(resumed.State)} after resuming it");
        LogResumed(logger, app, generation);
        return resumed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} was paused in Docker; unpaused")]
    private static partial void LogUnpaused(ILogger logger, string app);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: removed the unfinished dump {Checkpoint} (work directory and incomplete checkpoint)")]
    private static partial void LogUnfinishedDumpRemoved(ILogger logger, string app, string checkpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} resumed (caller's generation {Generation})")]
    private static partial void LogResumed(ILogger logger, string app, ulong generation);
}
