using System.Diagnostics;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.RuntimeModule.Engine.Trees;
using Federation.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers Checkpoint: dumps a running app's container into the checkpoint volume (runc, with
/// pre-dumps and parents, or Docker's checkpoint API), then records where its file trees are and its spec
/// beside CRIU's images. A full dump marks the app as checkpointed away first.
/// </summary>
public sealed partial class AppCheckpointer(
    DockerCheckpointApi checkpointApi,
    CheckpointVolume volume,
    AppRegistry registry,
    AppContainers containers,
    RuncCheckpointer runc,
    AppStopSettling settling,
    RuntimeDescriber describer,
    ContainerFilesystem filesystem,
    ContainerFreezer freezer,
    RestoreFailureHook restoreFailureHook,
    AppLocks locks,
    CheckpointsInProgress inProgress,
    Lazy.LazyDumps lazyDumps,
    Lazy.LazyDumpAbort lazyAbort,
    ILogger<AppCheckpointer> logger)
{
    /// <summary>How long a checkpoint may take once its dump has started, whoever waits for it.</summary>
    private static readonly TimeSpan FinishLimit = TimeSpan.FromMinutes(10);

    /// <summary>How long a lazy dump waits for a destination to ask for its pages before it gives up (the app stays here, stopped and intact).</summary>
    private static readonly TimeSpan UnclaimedLimit = TimeSpan.FromMinutes(2);

    /// <summary>The file that marks a lazy checkpoint: its memory is not in it, only a lazy restore can use it.</summary>
    public const string LazyMarker = "lazy-pages";

    public async Task<CheckpointResponse> CheckpointAsync(CheckpointRequest request, CancellationToken ct)
    {
        var (app, checkpoint) = (request.App, request.Checkpoint);
        Names.CheckAppName(app);
        var directory = volume.CheckpointDirectory(app, checkpoint);
        var parent = string.IsNullOrEmpty(request.Parent) ? null : volume.CheckpointDirectory(app, request.Parent);
        var leaveRunning = request.LeaveRunning || request.PreDump;
        var method = request.Method == CheckpointMethod.Auto ? DefaultMethod() : request.Method;
        if ((request.PreDump || parent is not null) && method != CheckpointMethod.Runc)
            throw FederationException.FailedPrecondition("pre-dumps and parent checkpoints need the runc checkpoint method");
        if (request.PreDump && !await describer.DirtyTrackingAsync(ct))
            throw FederationException.FailedPrecondition("CRIU cannot track dirty memory on this kernel: pre-dumps are not possible, use leave-running checkpoints");
        if (request.LazyPages && (leaveRunning || parent is not null))
            throw FederationException.InvalidArgument("a lazy checkpoint stops the app and holds all its memory: it is never a pre-dump, leave-running or on a parent");
        if (request.LazyPages && method != CheckpointMethod.Runc)
            throw FederationException.FailedPrecondition("lazy checkpoints need the runc checkpoint method");
        if (parent is not null && !Directory.Exists(parent))
            throw FederationException.FailedPrecondition($"parent checkpoint '{request.Parent}' of app '{app}' is not in the checkpoint volume");

        var container = await containers.FindAsync(app, ct) ?? throw FederationException.NotFound($"app '{app}' has no container in this runtime");
        if (container.State != "running")
            throw FederationException.FailedPrecondition($"app '{app}' is {container.State}, not running: nothing to checkpoint");
        if (Directory.Exists(directory))
            throw new FederationException(FederationError.AlreadyExists, $"checkpoint '{checkpoint}' of app '{app}' already exists");

        var response = new CheckpointResponse
        {
            App = app,
            Checkpoint = checkpoint,
            Directory = CheckpointVolume.RelativeDirectory(app, checkpoint),
            LeaveRunning = leaveRunning,
            Method = method,
            PreDump = request.PreDump,
        };
        Directory.CreateDirectory(volume.AppDirectory(app));
        var record = await registry.GetAsync(app, ct) ?? new AppRecord(await containers.SpecOfAsync(container.ID, app, ct), StartMode.Active, false, "");
        if (request.LazyPages && AppSpecContainers.IsListed(record.Spec))
            throw FederationException.FailedPrecondition($"app '{app}' has several containers: post-copy (lazy pages) moves one-container apps only");
        // Counted under the app's lock, so a Resume never thaws the app in the middle of this dump (a lazy one: until it ends).
        var running = await BeginAsync(app, ct);
        var handedOver = false;
        try
        {
            // From the dump on, the caller going away (a coordinator that crashed, a cancelled call) stops nothing:
            // CRIU killed mid-dump leaves the app frozen. The checkpoint finishes, or fails, on its own, bounded.
            using var bound = new CancellationTokenSource(FinishLimit);
            var finishing = bound.Token;
            var workDirectory = volume.WorkDirectory(app, checkpoint);
            if (AppSpecContainers.IsListed(record.Spec))
                await DumpListedAsync(request, record, directory, workDirectory, parent, method, response, finishing);
            else if (request.LazyPages)
                handedOver = await DumpLazyAsync(request, record, container.ID, directory, workDirectory, response, running, finishing);
            else
                await DumpSingleAsync(request, record, container.ID, directory, workDirectory, parent, method, response, finishing);
            if (!leaveRunning) await restoreFailureHook.CarryAsync(app, directory, finishing);

            var watch = Stopwatch.StartNew();
            await File.WriteAllTextAsync(Path.Combine(directory, CheckpointVolume.SpecFileName), JsonFormatter.Default.Format(record.Spec), finishing);
            response.Timings.Add(StepTimings.Of("record", watch));

            response.Files.AddRange(CheckpointVolume.ListFiles(directory));
            response.TotalBytes = (ulong)response.Files.Sum(f => (long)f.Size);
        }
        finally
        {
            if (!handedOver) running.Dispose();
        }
        LogCheckpointed(logger, app, checkpoint, method, response.TotalBytes, leaveRunning);
        return response;
    }

    private async Task DumpSingleAsync(CheckpointRequest request, AppRecord record, string containerId, string directory, string workDirectory,
        string? parent, CheckpointMethod method, CheckpointResponse response, CancellationToken finishing)
    {
        var (app, checkpoint) = (request.App, request.Checkpoint);
        var leaveRunning = request.LeaveRunning || request.PreDump;
        var files = await filesystem.LocateAsync(containerId, record.Spec, finishing);
        // Marked before the dump so the Ambassador, seeing the container stop, knows it moved rather than crashed.
        if (!leaveRunning) await registry.UpdateAsync(app, r => (r ?? record) with { CheckpointedAway = true }, finishing);
        var watch = Stopwatch.StartNew();
        try
        {
            if (method == CheckpointMethod.Runc)
                await runc.CheckpointAsync(containerId, directory, workDirectory, leaveRunning, request.PreDump, parent, finishing);
            else
                await checkpointApi.CreateAsync(containerId, checkpoint, volume.AppDirectory(app), exit: !leaveRunning, finishing);
        }
        catch (Exception e) when (e is DockerCallException or FederationException or OperationCanceledException)
        {
            if (!leaveRunning) await registry.UpdateAsync(app, r => (r ?? record) with { CheckpointedAway = false }, CancellationToken.None);
            var detail = CriuLog.LastError(directory);
            FileTree.TryDelete(directory);
            FileTree.TryDelete(workDirectory);
            if (e is not DockerCallException) throw;
            throw FederationException.FailedPrecondition(
                $"checkpoint of app '{app}' failed: {e.Message}" + (detail is null ? "" : $" (criu: {detail})"));
        }
        FileTree.TryDelete(workDirectory);
        if (!leaveRunning) settling.Begin(app, containerId);
        response.Timings.Add(StepTimings.Of("dump", watch));

        watch.Restart();
        // Only where the trees are: each push reads them in place and sends what changed (Trees.FileTreeSource).
        FileTreeSource.WriteLocations(directory, files, leaveRunning);
        response.Timings.Add(StepTimings.Of("filesystem", watch));
    }

    /// <summary>
    /// Post-copy: runc dumps the app without its memory and its CRIU then serves the pages (<see cref="Lazy.LazyDumps"/>,
    /// relayed by <see cref="Lazy.PageServing"/>) until the destination has them all. The dump, and with it the
    /// checkpoint in progress, lasts until then; <paramref name="running"/> is released when it ends. Returns true once the
    /// dump runs (it then owns <paramref name="running"/>).
    /// </summary>
    private async Task<bool> DumpLazyAsync(CheckpointRequest request, AppRecord record, string containerId, string directory, string workDirectory,
        CheckpointResponse response, IDisposable running, CancellationToken finishing)
    {
        var app = request.App;
        var files = await filesystem.LocateAsync(containerId, record.Spec, finishing);
        await registry.UpdateAsync(app, r => (r ?? record) with { CheckpointedAway = true }, finishing);
        var watch = Stopwatch.StartNew();
        (RuntimeCommand Dump, int Port, Task<string?> Finished) started;
        try
        {
            started = await runc.StartLazyAsync(containerId, directory, workDirectory, finishing);
        }
        catch (FederationException)
        {
            await registry.UpdateAsync(app, r => (r ?? record) with { CheckpointedAway = false }, CancellationToken.None);
            FileTree.TryDelete(directory);
            FileTree.TryDelete(workDirectory);
            throw;
        }
        var dump = new Lazy.LazyDump(app, request.Checkpoint, containerId, started.Port, started.Dump, started.Finished);
        lazyDumps.Add(dump);
        _ = EndLazyAsync(dump, workDirectory, running);
        response.Timings.Add(StepTimings.Of("dump", watch));

        watch.Restart();
        FileTreeSource.WriteLocations(directory, files, false);
        await File.WriteAllTextAsync(Path.Combine(directory, LazyMarker), $"page server 127.0.0.1:{dump.Port}\n", finishing);
        response.Timings.Add(StepTimings.Of("filesystem", watch));
        response.LazyPages = true;
        return true;
    }

    /// <summary>
    /// Waits for a lazy dump to end. Served whole, the app is gone (CRIU killed it). Unclaimed for <see cref="UnclaimedLimit"/>,
    /// or stopped by its broken page tunnel (<see cref="Lazy.LazyDumpAbort"/>), the app stays here, frozen and intact, an
    /// unfinished dump that Resume brings back (its work directory stays). A CRIU that failed by itself let the app run on.
    /// </summary>
    private async Task EndLazyAsync(Lazy.LazyDump dump, string workDirectory, IDisposable running)
    {
        using (running)
        {
            if (await Task.WhenAny(dump.Finished, Task.Delay(UnclaimedLimit)) != dump.Finished && dump.TryClaim())
            {
                LogUnclaimed(logger, dump.App, dump.Checkpoint, UnclaimedLimit.TotalSeconds);
                await lazyAbort.AbortAsync(dump, connection: null, $"no destination asked for its pages within {UnclaimedLimit.TotalSeconds:F0} s");
            }
            var failure = await dump.Finished;
            if (failure is null)
            {
                FileTree.TryDelete(workDirectory);
                settling.Begin(dump.App, dump.ContainerId);
                LogLazyServed(logger, dump.App, dump.Checkpoint);
                return;
            }
            LogLazyFailed(logger, dump.App, dump.Checkpoint, failure, dump.Abandoned);
            if (dump.Abandoned) return;
            FileTree.TryDelete(workDirectory);
            await registry.UpdateIfPresentAsync(dump.App, r => r with { CheckpointedAway = false }, CancellationToken.None);
        }
    }

    /// <summary>
    /// A workload of several: every container's cgroup is frozen first, so all stop at one instant; then each is dumped
    /// (runc, into its sub-checkpoint <c>&lt;checkpoint&gt;/&lt;container&gt;/</c>), the network namespace's owner last (runc
    /// finds the others' namespace through its process), and where each one's file trees are recorded.
    /// A leave-running round (or a failed dump) thaws them all again.
    /// </summary>
    private async Task DumpListedAsync(CheckpointRequest request, AppRecord record, string directory, string workDirectory,
        string? parent, CheckpointMethod method, CheckpointResponse response, CancellationToken finishing)
    {
        var (app, checkpoint) = (request.App, request.Checkpoint);
        var leaveRunning = request.LeaveRunning || request.PreDump;
        if (method != CheckpointMethod.Runc)
            throw FederationException.FailedPrecondition($"app '{app}' has several containers: they are checkpointed together with the runc method only");
        var names = AppSpecContainers.Of(record.Spec).Select(c => c.Name).ToList();
        var members = await containers.FindAllAsync(app, finishing);
        if (!members.Select(AppContainers.ContainerName).SequenceEqual(names))
            throw FederationException.FailedPrecondition($"app '{app}' does not have its {names.Count} containers in this runtime: nothing to checkpoint");
        if (members.FirstOrDefault(m => m.State != "running") is { } stopped)
            throw FederationException.FailedPrecondition($"container '{AppContainers.ContainerName(stopped)}' of app '{app}' is {stopped.State}, not running: nothing to checkpoint");
        var files = new List<(string, FilesystemLocations)>();
        for (var i = 0; i < members.Count; i++)
            files.Add((SyncedTree.ContainerPrefix(names[i]), await filesystem.LocateAsync(members[i].ID, ContainerFilesystemSpecs.Of(record.Spec, i), finishing)));
        if (!leaveRunning) await registry.UpdateAsync(app, r => (r ?? record) with { CheckpointedAway = true }, finishing);
        var watch = Stopwatch.StartNew();
        var dumped = false;
        try
        {
            foreach (var member in members) await freezer.FreezeAsync(app, member.ID, finishing);
            response.Timings.Add(StepTimings.Of("freeze", watch));
            watch.Restart();
            for (var i = members.Count - 1; i >= 0; i--)
            {
                await runc.CheckpointAsync(members[i].ID, CheckpointVolume.ContainerDirectory(directory, names[i]), Path.Combine(workDirectory, names[i]),
                    leaveRunning, request.PreDump, parent is null ? null : CheckpointVolume.ContainerDirectory(parent, names[i]), finishing);
            }
            dumped = true;
        }
        catch (Exception e) when (e is FederationException or OperationCanceledException or IOException)
        {
            if (!leaveRunning) await registry.UpdateAsync(app, r => (r ?? record) with { CheckpointedAway = false }, CancellationToken.None);
            FileTree.TryDelete(directory);
            FileTree.TryDelete(workDirectory);
            if (e is FederationException { Error: FederationError.FailedPrecondition } failed)
                throw FederationException.FailedPrecondition($"checkpoint of app '{app}' failed: {failed.Message}");
            throw;
        }
        finally
        {
            // Dumped with exit, the containers are gone; otherwise they run on from where they were frozen.
            if (leaveRunning || !dumped)
            {
                foreach (var member in members) await ThawQuietlyAsync(app, member.ID);
            }
        }
        FileTree.TryDelete(workDirectory);
        if (!leaveRunning) settling.Begin(app, members[0].ID);
        response.Timings.Add(StepTimings.Of("dump", watch));

        watch.Restart();
        // Each container's trees under its name (<container>/rootfs, <container>/volumes/<name>), read in place by each push.
        FileTreeSource.WriteLocations(directory, TreeLocations.Of(files, leaveRunning));
        response.Timings.Add(StepTimings.Of("filesystem", watch));
    }

    private async Task ThawQuietlyAsync(string app, string containerId)
    {
        try
        {
            await freezer.ThawAsync(app, containerId, 0, CancellationToken.None);
        }
        catch (Exception e) when (e is FederationException or IOException or UnauthorizedAccessException)
        {
            LogThawFailed(logger, app, containerId, e.Message);
        }
    }

    private async Task<IDisposable> BeginAsync(string app, CancellationToken ct)
    {
        using var held = await locks.LockAsync(app, ct);
        // With no dump of the app running here, a work directory is what a dump whose CRIU died left (a network lock,
        // perhaps a frozen cgroup), which would tangle with this dump's.
        if (!inProgress.IsRunning(app) && volume.UnfinishedDumps(app) is [var unfinished, ..])
            throw FederationException.FailedPrecondition(
                $"app '{app}' has an unfinished dump '{unfinished}' (its Engine died during it): resume the app before checkpointing it again");
        return inProgress.Begin(app);
    }

    /// <summary>What <see cref="CheckpointMethod.Auto"/> means here: runc when dockerd's process is visible, else Docker.</summary>
    public CheckpointMethod DefaultMethod() => runc.Available ? CheckpointMethod.Runc : CheckpointMethod.Docker;

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: no destination asked for the pages of lazy checkpoint {Checkpoint} within {Seconds} s: the dump is abandoned, the app stays here stopped")]
    private static partial void LogUnclaimed(ILogger logger, string app, string checkpoint, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App}: every page of lazy checkpoint {Checkpoint} was served; the app left this runtime")]
    private static partial void LogLazyServed(ILogger logger, string app, string checkpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: lazy checkpoint {Checkpoint} ended without serving every page ({Reason}); abandoned {Abandoned}")]
    private static partial void LogLazyFailed(ILogger logger, string app, string checkpoint, string reason, bool abandoned);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: could not thaw container {Container} after its dump: {Reason}")]
    private static partial void LogThawFailed(ILogger logger, string app, string container, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} checkpointed as {Checkpoint} ({Method}): {Bytes} bytes, leave running {LeaveRunning}")]
    private static partial void LogCheckpointed(ILogger logger, string app, string checkpoint, CheckpointMethod method, ulong bytes, bool leaveRunning);
}
