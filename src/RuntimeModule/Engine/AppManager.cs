using System.Diagnostics;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Creates, checkpoints, restores and removes the nested app containers of one runtime. The
/// container is named after the app and labelled with it; the app registry keeps what Docker
/// does not (passive registrations, apps that moved away).
/// </summary>
public sealed partial class AppManager(
    DockerSocket docker,
    DockerCheckpointApi checkpointApi,
    CheckpointVolume volume,
    AppRegistry registry,
    RuncCheckpointer runc,
    RuntimeDescriber describer,
    ContainerFilesystem filesystem,
    RuntimeModuleOptions options,
    ILogger<AppManager> logger)
{
    public const string AppLabel = "federation.app";

    public async Task<App> CreateAsync(AppSpec spec, StartMode mode, CancellationToken ct)
    {
        AppSpecValidator.Validate(spec);
        if (mode == StartMode.Unspecified) mode = StartMode.Active;

        var existing = await registry.GetAsync(spec.Name, ct);
        var container = await FindContainerAsync(spec.Name, ct);
        if (existing is not null || container is not null)
        {
            if (existing is not null && existing.Spec.Equals(spec)) return await GetAsync(spec.Name, ct);
            throw new FederationException(FederationError.AlreadyExists, $"app '{spec.Name}' already exists in this runtime");
        }
        await EnsureImageAsync(spec.Image, ct);
        await registry.PutAsync(new AppRecord(spec, mode, CheckpointedAway: false, RestoredFrom: ""), ct);
        if (mode == StartMode.Passive)
        {
            LogRegisteredPassive(logger, spec.Name);
            return await GetAsync(spec.Name, ct);
        }

        var id = await CreateContainerAsync(spec, ct);
        try
        {
            await docker.Client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct);
        }
        catch (DockerApiException e)
        {
            await RemoveContainerQuietlyAsync(id);
            registry.Delete(spec.Name);
            throw FederationException.FailedPrecondition($"app '{spec.Name}' did not start: {DockerMessage(e)}");
        }
        LogStarted(logger, spec.Name, id);
        return await GetAsync(spec.Name, ct);
    }

    public async Task<App> GetAsync(string name, CancellationToken ct)
    {
        Names.CheckAppName(name);
        var record = await registry.GetAsync(name, ct);
        var container = await FindContainerAsync(name, ct);
        if (record is null && container is null) throw FederationException.NotFound($"app '{name}' is not in this runtime");
        return await DescribeAsync(name, record, container, ct);
    }

    public async Task<IReadOnlyList<App>> ListAsync(CancellationToken ct)
    {
        var records = (await registry.ListAsync(ct)).ToDictionary(r => r.Spec.Name);
        var containers = await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [AppLabel] = true } },
        }, ct);
        var byName = containers.GroupBy(c => c.Labels[AppLabel]).ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.Created).First());
        var apps = new List<App>();
        foreach (var name in records.Keys.Union(byName.Keys).Order(StringComparer.Ordinal))
            apps.Add(await DescribeAsync(name, records.GetValueOrDefault(name), byName.GetValueOrDefault(name), ct));
        return apps;
    }

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
        if (parent is not null && !Directory.Exists(parent))
            throw FederationException.FailedPrecondition($"parent checkpoint '{request.Parent}' of app '{app}' is not in the checkpoint volume");

        var container = await FindContainerAsync(app, ct) ?? throw FederationException.NotFound($"app '{app}' has no container in this runtime");
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
        var record = await registry.GetAsync(app, ct) ?? new AppRecord(await SpecFromContainerAsync(container.ID, app, ct), StartMode.Active, false, "");
        // Marked before the dump so the Ambassador, seeing the container stop, knows it moved rather than crashed.
        if (!leaveRunning) await registry.PutAsync(record with { CheckpointedAway = true }, ct);
        var workDirectory = Path.Combine(volume.AppDirectory(app), ".work-" + checkpoint);
        var watch = Stopwatch.StartNew();
        try
        {
            if (method == CheckpointMethod.Runc)
                await runc.CheckpointAsync(container.ID, directory, workDirectory, leaveRunning, request.PreDump, parent, ct);
            else
                await checkpointApi.CreateAsync(container.ID, checkpoint, volume.AppDirectory(app), exit: !leaveRunning, ct);
        }
        catch (Exception e) when (e is DockerCallException or FederationException or OperationCanceledException)
        {
            if (!leaveRunning) await registry.PutAsync(record with { CheckpointedAway = false }, CancellationToken.None);
            var detail = CriuLog.LastError(directory);
            TryDeleteDirectory(directory);
            TryDeleteDirectory(workDirectory);
            if (e is not DockerCallException) throw;
            throw FederationException.FailedPrecondition(
                $"checkpoint of app '{app}' failed: {e.Message}" + (detail is null ? "" : $" (criu: {detail})"));
        }
        TryDeleteDirectory(workDirectory);
        response.Timings.Add(Timing("dump", watch));

        watch.Restart();
        if (!request.PreDump) await filesystem.SaveAsync(container.ID, record.Spec, directory, ct);
        response.Timings.Add(Timing("filesystem", watch));

        watch.Restart();
        await File.WriteAllTextAsync(Path.Combine(directory, CheckpointVolume.SpecFileName), JsonFormatter.Default.Format(record.Spec), ct);
        response.Timings.Add(Timing("record", watch));

        response.Files.AddRange(CheckpointVolume.ListFiles(directory));
        response.TotalBytes = (ulong)response.Files.Sum(f => (long)f.Size);
        LogCheckpointed(logger, app, checkpoint, method, response.TotalBytes, leaveRunning);
        return response;
    }

    public CheckpointMethod DefaultMethod() => runc.Available ? CheckpointMethod.Runc : CheckpointMethod.Docker;

    public async Task<RestoreResponse> RestoreAsync(string app, string checkpoint, CancellationToken ct)
    {
        Names.CheckAppName(app);
        var directory = volume.CheckpointDirectory(app, checkpoint);
        if (!Directory.Exists(directory))
            throw FederationException.FailedPrecondition($"checkpoint '{checkpoint}' of app '{app}' is not in the checkpoint volume");

        var response = new RestoreResponse();
        var watch = Stopwatch.StartNew();
        var record = await registry.GetAsync(app, ct);
        var spec = record?.Spec ?? await ReadSpecFileAsync(directory, app, checkpoint, ct);
        var existing = await FindContainerAsync(app, ct);
        if (existing is not null)
        {
            if (existing.State is "running" or "paused" or "restarting")
                throw FederationException.FailedPrecondition($"app '{app}' is {existing.State} in this runtime: remove it before restoring");
            await RemoveContainerQuietlyAsync(existing.ID);
        }
        await EnsureImageAsync(spec.Image, ct);
        var id = await CreateContainerAsync(spec, ct);
        response.Timings.Add(Timing("create", watch));

        watch.Restart();
        try
        {
            await filesystem.ApplyAsync(id, spec, directory, ct);
            var info = await docker.Client.System.GetSystemInfoAsync(ct);
            FileTree.LinkOrCopy(directory, Path.Combine(info.DockerRootDir, "containers", id, "checkpoints", checkpoint));
            response.Timings.Add(Timing("stage", watch));

            watch.Restart();
            await checkpointApi.StartFromCheckpointAsync(id, checkpoint, ct);
            response.Timings.Add(Timing("restore", watch));
        }
        catch (Exception e) when (e is DockerCallException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            await RemoveContainerQuietlyAsync(id);
            throw FederationException.FailedPrecondition($"restore of app '{app}' from '{checkpoint}' failed: {e.Message}");
        }

        await registry.PutAsync(new AppRecord(spec, record?.StartMode ?? StartMode.Passive, CheckpointedAway: false, RestoredFrom: checkpoint), ct);
        LogRestored(logger, app, checkpoint, id);
        response.App = await GetAsync(app, ct);
        return response;
    }

    public async Task<bool> RemoveAsync(string app, bool deleteCheckpoints, CancellationToken ct)
    {
        Names.CheckAppName(app);
        var record = await registry.GetAsync(app, ct);
        var container = await FindContainerAsync(app, ct);
        if (record is null && container is null) throw FederationException.NotFound($"app '{app}' is not in this runtime");
        if (container is not null)
            await docker.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, ct);
        registry.Delete(app);
        if (deleteCheckpoints) TryDeleteDirectory(volume.AppDirectory(app));
        LogRemoved(logger, app);
        return true;
    }

    public async Task<ProbeResponse> ProbeAsync(string? app, CancellationToken ct)
    {
        var response = new ProbeResponse();
        try
        {
            await docker.Client.System.PingAsync(ct);
            response.DockerReady = true;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or DockerApiException or IOException)
        {
            response.Message = $"inner dockerd is not answering on {docker.SocketPath}: {e.Message}";
            return response;
        }
        if (string.IsNullOrEmpty(app))
        {
            response.Message = "docker ready";
            return response;
        }
        var described = await GetAsync(app, ct);
        response.AppRunning = described.State == AppState.Running;
        var port = described.Spec.Ports.FirstOrDefault();
        if (response.AppRunning && port is not null)
            response.AppAccepting = await AcceptsAsync(options.AppProbeHost, (int)RuntimePort(port), ct);
        response.Message = $"app '{app}' is {described.State}" + (port is null ? "" : response.AppAccepting ? ", accepting" : ", not accepting");
        return response;
    }

    public IReadOnlyList<CheckpointInfo> ListCheckpoints(string app) => volume.List(app);

    public bool DeleteCheckpoint(string app, string checkpoint)
    {
        var directory = volume.CheckpointDirectory(app, checkpoint);
        if (!Directory.Exists(directory)) throw FederationException.NotFound($"checkpoint '{checkpoint}' of app '{app}' does not exist");
        Directory.Delete(directory, recursive: true);
        return true;
    }

    internal async Task<ContainerListResponse?> FindContainerAsync(string app, CancellationToken ct)
    {
        var containers = await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{AppLabel}={app}"] = true } },
        }, ct);
        return containers.OrderByDescending(c => c.Created).FirstOrDefault();
    }

    private async Task<App> DescribeAsync(string name, AppRecord? record, ContainerListResponse? container, CancellationToken ct)
    {
        var app = new App { RestoredFrom = record?.RestoredFrom ?? "" };
        if (container is null)
        {
            app.Spec = record!.Spec;
            app.State = record.CheckpointedAway ? AppState.Checkpointed : AppState.WaitingForRestore;
            return app;
        }
        var inspect = await docker.Client.Containers.InspectContainerAsync(container.ID, ct);
        app.Spec = record?.Spec ?? SpecFrom(inspect, name);
        app.ContainerId = container.ID;
        app.ExitCode = (int)inspect.State.ExitCode;
        app.State = inspect.State.Status switch
        {
            "running" => AppState.Running,
            "paused" => AppState.Paused,
            "created" => AppState.Created,
            _ when record?.CheckpointedAway == true => AppState.Checkpointed,
            _ => AppState.Exited,
        };
        if (DateTime.TryParse(inspect.State.StartedAt, null, System.Globalization.DateTimeStyles.AdjustToUniversal, out var started) && started.Year > 1)
            app.StartedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(started, DateTimeKind.Utc));
        return app;
    }

    private async Task<string> CreateContainerAsync(AppSpec spec, CancellationToken ct)
    {
        var ports = spec.Ports.ToDictionary(p => $"{p.ContainerPort}/{Protocol(p)}", p => p);
        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Cmd = spec.Command.Count > 0 ? spec.Command.ToList() : null,
            Env = spec.Env.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = new Dictionary<string, string> { [AppLabel] = spec.Name },
            ExposedPorts = ports.Keys.ToDictionary(k => k, _ => new EmptyStruct()),
            HostConfig = new HostConfig
            {
                PortBindings = ports.ToDictionary(
                    kv => kv.Key,
                    kv => (IList<PortBinding>)[new PortBinding { HostPort = RuntimePort(kv.Value).ToString(System.Globalization.CultureInfo.InvariantCulture) }]),
                Mounts = spec.Volumes.Select(v => new Mount { Type = "volume", Source = v.Name, Target = v.ContainerPath, ReadOnly = v.ReadOnly }).ToList(),
            },
        };
        try
        {
            return (await docker.Client.Containers.CreateContainerAsync(parameters, ct)).ID;
        }
        catch (DockerApiException e)
        {
            throw FederationException.FailedPrecondition($"cannot create the container of app '{spec.Name}': {DockerMessage(e)}");
        }
    }

    private async Task EnsureImageAsync(string image, CancellationToken ct)
    {
        try
        {
            await docker.Client.Images.InspectImageAsync(image, ct);
        }
        catch (DockerImageNotFoundException)
        {
            throw FederationException.FailedPrecondition($"image '{image}' is not in this runtime: load it with LoadImage first");
        }
    }

    private async Task<AppSpec> SpecFromContainerAsync(string id, string app, CancellationToken ct) =>
        SpecFrom(await docker.Client.Containers.InspectContainerAsync(id, ct), app);

    private static AppSpec SpecFrom(ContainerInspectResponse inspect, string app)
    {
        var spec = new AppSpec { Name = app, Image = inspect.Config.Image };
        spec.Command.AddRange(inspect.Config.Cmd ?? []);
        foreach (var kv in inspect.Config.Env ?? [])
        {
            var eq = kv.IndexOf('=');
            if (eq > 0) spec.Env[kv[..eq]] = kv[(eq + 1)..];
        }
        return spec;
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

    private async Task RemoveContainerQuietlyAsync(string id)
    {
        try
        {
            await docker.Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
        catch (DockerApiException e)
        {
            LogCleanupFailed(logger, id, e.Message);
        }
    }

    private static async Task<bool> AcceptsAsync(string host, int port, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException) { }
    }

    private static uint RuntimePort(PortMapping p) => p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort;
    private static string Protocol(PortMapping p) => string.IsNullOrEmpty(p.Protocol) ? "tcp" : p.Protocol;
    private static StepTiming Timing(string step, Stopwatch watch) => new() { Step = step, Duration = Duration.FromTimeSpan(watch.Elapsed) };
    private static string DockerMessage(DockerApiException e) => ErrorMappingInterceptor.OneLine(e.ResponseBody ?? e.Message);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} registered passive, waiting for a restore")]
    private static partial void LogRegisteredPassive(ILogger logger, string app);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} started as container {Container}")]
    private static partial void LogStarted(ILogger logger, string app, string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} checkpointed as {Checkpoint} ({Method}): {Bytes} bytes, leave running {LeaveRunning}")]
    private static partial void LogCheckpointed(ILogger logger, string app, string checkpoint, CheckpointMethod method, ulong bytes, bool leaveRunning);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} restored from {Checkpoint} as container {Container}")]
    private static partial void LogRestored(ILogger logger, string app, string checkpoint, string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} removed")]
    private static partial void LogRemoved(ILogger logger, string app);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not remove container {Container}: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string container, string reason);
}
