using System.Diagnostics;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.RuntimeModule.Engine.Trees;
using Federation.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers Restore: creates the app's container afresh from the app record or, for an app this runtime
/// never saw, the spec inside the checkpoint; moves the app's synced file trees into it (older checkpoints: extracts their archives), stages the
/// checkpoint where Docker looks for it (its memory by reference: <see cref="CheckpointStaging"/>), and starts the container from it. The restored copy runs at the
/// generation the caller gives; below the app's fence nothing is touched (<see cref="AppFencing"/>).
/// </summary>
public sealed partial class AppRestorer(
    DockerSocket docker,
    CriuNetworkLock networkLock,
    DockerRootDirectory dockerRoot,
    DockerCheckpointApi checkpointApi,
    CheckpointVolume volume,
    AppRegistry registry,
    AppContainers containers,
    AppDescriber describer,
    ContainerFilesystem filesystem,
    FileTreeRestore trees,
    AppStopSettling settling,
    AppLocks locks,
    Lazy.LazyRestores lazyRestores,
    Lazy.LazyRestoreConfig lazyConfig,
    ILogger<AppRestorer> logger)
{
    /// <param name="lazyKey">Post-copy: the key of the source's page tunnel; empty for a restore with the memory in the checkpoint.</param>
    public async Task<RestoreResponse> RestoreAsync(string app, string checkpoint, ulong generation, string lazyKey, CancellationToken ct)
    {
        Names.CheckAppName(app);
        var directory = volume.CheckpointDirectory(app, checkpoint);
        if (!Directory.Exists(directory))
            throw FederationException.FailedPrecondition($"checkpoint '{checkpoint}' of app '{app}' is not in the checkpoint volume");
        var lazy = File.Exists(Path.Combine(directory, AppCheckpointer.LazyMarker));
        if (lazyKey.Length > 0 && lazyKey.Length < Lazy.PageServing.MinimumKeyLength)
            throw FederationException.InvalidArgument($"the lazy pages key must be at least {Lazy.PageServing.MinimumKeyLength} characters");
        if (lazy && lazyKey.Length == 0)
            throw FederationException.FailedPrecondition($"checkpoint '{checkpoint}' of app '{app}' is lazy (its memory stayed at the source): restore it with the key of its page tunnel");
        if (!lazy && lazyKey.Length > 0)
            throw FederationException.FailedPrecondition($"checkpoint '{checkpoint}' of app '{app}' holds its memory: it is not restored lazily");

        var response = new RestoreResponse();
        var watch = Stopwatch.StartNew();
        // No Fence, Resume or other restore of the app between the fence check and the record written at the end.
        using var held = await locks.LockAsync(app, ct);
        await settling.SettledAsync(app, ct);
        var fencedBelow = await registry.FencedBelowAsync(app, ct);
        AppFencing.RefuseBelowFence(app, fencedBelow, generation, "restore");
        var record = await registry.GetAsync(app, ct);
        var spec = record?.Spec ?? await ReadSpecFileAsync(directory, app, checkpoint, ct);
        if (AppSpecContainers.IsListed(spec))
        {
            if (lazy) throw FederationException.FailedPrecondition($"app '{app}' has several containers: post-copy (lazy pages) moves one-container apps only");
            await RestoreListedAsync(app, checkpoint, directory, spec, response, watch, ct);
        }
        else
        {
            await RestoreSingleAsync(app, checkpoint, directory, spec, record, lazyKey, response, watch, ct);
        }

        await registry.UpdateAsync(app, current => new AppRecord(spec, current?.StartMode ?? record?.StartMode ?? StartMode.Passive,
            CheckpointedAway: false, RestoredFrom: checkpoint, Generation: generation, FencedBelow: Math.Max(fencedBelow, current?.FencedBelow ?? 0)), ct);
        LogRestored(logger, app, checkpoint, generation);
        response.App = await describer.GetAsync(app, ct);
        return response;
    }

    private async Task RestoreSingleAsync(string app, string checkpoint, string directory, AppSpec spec, AppRecord? record, string lazyKey,
        RestoreResponse response, Stopwatch watch, CancellationToken ct)
    {
        var existing = await containers.FindAsync(app, ct);
        string? id = null;
        if (existing is not null)
        {
            if (existing.State is "running" or "paused" or "restarting")
                throw FederationException.FailedPrecondition($"app '{app}' is {existing.State} in this runtime: remove it before restoring");
            if (existing.State == "created" && record is not null && record.PreparedContainer == existing.ID)
            {
                // Made when the app was registered, never started nor filled: taken, once (a restore that dies from here on leaves it to be replaced).
                await registry.UpdateAsync(app, r => (r ?? record) with { PreparedContainer = "" }, ct);
                id = existing.ID;
            }
            else
            {
                await trees.KeepLayersAsync(app, checkpoint, [("", existing.ID)], ct);
                await containers.RemoveQuietlyAsync(existing.ID);
            }
        }
        if (id is null)
        {
            await containers.EnsureImagesAsync(spec, ct);
            id = (await containers.CreateAsync(spec, ct))[0];
            response.Timings.Add(StepTimings.Of("create", watch));
        }
        else
        {
            response.Timings.Add(StepTimings.Of("prepared", watch));
        }

        watch.Restart();
        Lazy.LazyRestore? lazy = null;
        try
        {
            if (FileTreeRestore.Carries(directory)) await trees.MoveIntoAsync(app, checkpoint, [new TreeTarget("", id, spec)], ct);
            else await filesystem.ApplyAsync(id, spec, directory, ct);
            CheckpointStaging.Stage(directory, Path.Combine(await dockerRoot.GetAsync(ct), "containers", id, "checkpoints", checkpoint));
            response.Timings.Add(StepTimings.Of("stage", watch));

            watch.Restart();
            if (lazyKey.Length > 0)
            {
                lazy = await lazyRestores.StartAsync(app, checkpoint, lazyKey, directory, ct);
                response.Timings.Add(StepTimings.Of("lazy-pages daemon", watch));
                watch.Restart();
                await using (await lazyConfig.ApplyAsync(lazy.WorkDirectory, ct))
                    await checkpointApi.StartFromCheckpointAsync(id, checkpoint, ct);
                _ = StopIfPagesFailAsync(app, id, lazy);
            }
            else
            {
                await lazyConfig.EnsurePristineAsync(ct);
                await checkpointApi.StartFromCheckpointAsync(id, checkpoint, ct);
            }
            response.Timings.Add(StepTimings.Of("restore", watch));
        }
        catch (FederationException) when (lazyKey.Length > 0)
        {
            // The lazy-pages daemon did not start: nothing was restored.
            lazy?.Dispose();
            await containers.RemoveQuietlyAsync(id);
            throw;
        }
        catch (Exception e) when (e is DockerCallException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            lazy?.Dispose();
            await containers.RemoveQuietlyAsync(id);
            var reason = ErrorMappingInterceptor.OneLine(e.Message);
            trees.RecordFailedRestore(app, checkpoint, reason);
            throw FederationException.FailedPrecondition($"restore of app '{app}' from '{checkpoint}' failed: {reason}");
        }
    }

    /// <summary>
    /// A workload of several: every container created afresh, filled (file system, per container) and staged from its
    /// sub-checkpoint, then started from it in list order (the network namespace's owner first); the restore lock the
    /// containers' CRIU set on their shared network (<see cref="PodCriuConfig"/>) is lifted once all run. One container that
    /// cannot be restored fails the whole restore and removes every container it created.
    /// </summary>
    private async Task RestoreListedAsync(string app, string checkpoint, string directory, AppSpec spec,
        RestoreResponse response, Stopwatch watch, CancellationToken ct)
    {
        var old = await containers.ListOfAppAsync(app, ct);
        if (old.FirstOrDefault(c => c.State is "running" or "paused" or "restarting") is { } live)
            throw FederationException.FailedPrecondition($"app '{app}' is {live.State} in this runtime: remove it before restoring");
        var newest = await containers.FindAllAsync(app, ct);
        await trees.KeepLayersAsync(app, checkpoint, newest.Select(c => (SyncedTree.ContainerPrefix(AppContainers.ContainerName(c)), c.ID)).ToList(), ct);
        foreach (var existing in old) await containers.RemoveQuietlyAsync(existing.ID);
        await containers.EnsureImagesAsync(spec, ct);
        var ids = await containers.CreateAsync(spec, ct);
        response.Timings.Add(StepTimings.Of("create", watch));
        var members = AppSpecContainers.Of(spec);
        var failing = await RestoreFailureHook.ReadAsync(directory, ct);
        var current = "";
        watch.Restart();
        try
        {
            var dockerRootPath = await dockerRoot.GetAsync(ct);
            var carried = FileTreeRestore.Carries(directory);
            if (carried)
            {
                await trees.MoveIntoAsync(app, checkpoint,
                    ids.Select((id, i) => new TreeTarget(SyncedTree.ContainerPrefix(members[i].Name), id, ContainerFilesystemSpecs.Of(spec, i))).ToList(), ct);
            }
            for (var i = 0; i < ids.Count; i++)
            {
                current = members[i].Name;
                var part = CheckpointVolume.ContainerDirectory(directory, current);
                if (!Directory.Exists(part)) throw new IOException($"the checkpoint holds no sub-checkpoint of container '{current}'");
                if (!carried) await filesystem.ApplyAsync(ids[i], ContainerFilesystemSpecs.Of(spec, i), part, ct);
                CheckpointStaging.Stage(part, Path.Combine(dockerRootPath, "containers", ids[i], "checkpoints", checkpoint));
            }
            response.Timings.Add(StepTimings.Of("stage", watch));

            watch.Restart();
            await lazyConfig.EnsurePristineAsync(ct);
            for (var i = 0; i < ids.Count; i++)
            {
                current = members[i].Name;
                if (failing == current) throw new IOException($"test hook: the restore of container '{current}' is refused");
                await checkpointApi.StartFromCheckpointAsync(ids[i], checkpoint, ct);
            }
            current = "";
            var owner = await docker.Client.Containers.InspectContainerAsync(ids[0], ct);
            await networkLock.LiftPodLockAsync(app, owner.State.Pid, ct);
            response.Timings.Add(StepTimings.Of("restore", watch));
        }
        catch (Exception e) when (e is DockerCallException or IOException or UnauthorizedAccessException or InvalidDataException
            or FederationException or Docker.DotNet.DockerApiException)
        {
            foreach (var id in ids) await containers.RemoveQuietlyAsync(id);
            var which = current.Length > 0 ? $" (container '{current}')" : "";
            var reason = ErrorMappingInterceptor.OneLine(e.Message);
            trees.RecordFailedRestore(app, checkpoint, which.TrimStart() + (which.Length > 0 ? ": " : "") + reason);
            throw FederationException.FailedPrecondition($"restore of app '{app}' from '{checkpoint}' failed{which}: {reason}");
        }
    }

    /// <summary>
    /// A lazily restored app runs before its memory is all here. When its daemon fails (the source or the tunnel went away),
    /// the pages still missing read as zeros: the app is killed at once, and its record says why.
    /// </summary>
    private async Task StopIfPagesFailAsync(string app, string containerId, Lazy.LazyRestore lazy)
    {
        var failure = await lazy.Finished;
        if (failure is null) return;
        var reason = $"post-copy restore from '{lazy.Checkpoint}' lost its pages ({failure}): the app was stopped, its memory here is incomplete";
        try
        {
            await docker.Client.Containers.KillContainerAsync(containerId, new Docker.DotNet.Models.ContainerKillParameters { Signal = "SIGKILL" }, CancellationToken.None);
        }
        catch (Docker.DotNet.DockerApiException e)
        {
            LogKillFailed(logger, app, e.Message);
        }
        // Under the app's lock: a restore still finishing writes its record first, and this one's reason is not overwritten.
        using (await locks.LockAsync(app, CancellationToken.None))
            await registry.UpdateIfPresentAsync(app, r => r with { Failure = reason }, CancellationToken.None);
        LogPagesLost(logger, app, reason);
    }

    private static async Task<AppSpec> ReadSpecFileAsync(string directory, string app, string checkpoint, CancellationToken ct)
    {
        var path = Path.Combine(directory, CheckpointVolume.SpecFileName);
        if (!File.Exists(path))
            throw FederationException.FailedPrecondition(
                $"app '{app}' is not registered here and checkpoint '{checkpoint}' carries no {CheckpointVolume.SpecFileName}");
        var spec = JsonParser.Default.Parse<AppSpec>(await File.ReadAllTextAsync(path, ct));
        if (spec.Name != app)
            throw FederationException.FailedPrecondition($"checkpoint '{checkpoint}' belongs to app '{spec.Name}', not '{app}'");
        return spec;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "app {App}: {Reason}")]
    private static partial void LogPagesLost(ILogger logger, string app, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "app {App}: could not kill the app whose pages were lost: {Reason}")]
    private static partial void LogKillFailed(ILogger logger, string app, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} restored from {Checkpoint} at generation {Generation}")]
    private static partial void LogRestored(ILogger logger, string app, string checkpoint, ulong generation);
}
