using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Adapters.Relay.Control;
using Federation.Adapters.Relay.Hosting;
using Federation.Common;
using Federation.Common.Retry;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Docker;

/// <summary>
/// The relay process of one cluster (its stable addresses), as a container of its own on the Docker host's
/// network, so that it outlives the coordinator: the coordinator's crash or restart does not touch it, and Docker
/// starts it again if it dies (restart policy unless-stopped). It runs the relay from the same mounted .NET and
/// module directory as the runtimes' Engines, as the coordinator's user, with no capabilities and a read-only
/// root; its directory (control socket, routes) is <c>relay-{cluster}</c> in the adapter's state directory. One
/// per cluster, found again by its labels, never started twice.
/// </summary>
public sealed partial class RelayContainer(DockerClient docker, DockerHostAdapterOptions options, ILogger<RelayContainer> logger)
{
    private const string RelayLabel = "federation.relay";
    private const string OwnerLabel = "federation.owner";
    private const string RelayPath = "/var/lib/federation-relay";
    private const string ModulePath = "/opt/federation/relay";
    private const string RelayDll = "Federation.Adapters.Relay.dll";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private int settingsChecked;

    /// <summary>"{prefix}-{cluster}.relay": a dot, which no runtime name has, and the prefix, by which leftovers are found.</summary>
    public string Name => $"{options.NamePrefix}-{options.Cluster}.relay";

    /// <summary>The relay's directory on this host: its control socket and its persisted routes.</summary>
    public string Directory => Path.Combine(options.StateDirectory, $"relay-{options.Cluster}");

    public string SocketPath => Path.Combine(Directory, RelaySettings.SocketFileName);

    /// <summary>Whether the cluster has a relay to come back to: its container, or routes it persisted.</summary>
    public async Task<bool> ExistsAsync(CancellationToken ct) =>
        await FindAsync(ct) is not null || File.Exists(Path.Combine(Directory, RelaySettings.RoutesFileName));

    /// <summary>Finds the relay by its labels and returns once its control socket answers; starts it when there is none, and again when it stopped.</summary>
    public async Task EnsureRunningAsync(CancellationToken ct)
    {
        var found = await FindAsync(ct);
        if (found is null)
        {
            await StartAsync(ct);
        }
        else
        {
            if (found.State != "running" && found.State != "restarting")
            {
                LogStartedAgain(logger, Name, found.State);
                await docker.Containers.StartContainerAsync(found.ID, new ContainerStartParameters(), ct);
            }
            await WarnOfOtherSettingsAsync(found.ID, ct);
        }
        await WaitUntilAnsweringAsync(ct);
    }

    /// <summary>Removes the relay's container and its directory (no routes left to keep). Safe to repeat.</summary>
    public async Task RemoveAsync(CancellationToken ct)
    {
        foreach (var container in await ListAsync(ct))
        {
            try { await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, ct); }
            catch (DockerContainerNotFoundException) { }
        }
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        LogRemoved(logger, Name);
    }

    /// <summary>The relay's container id, or null when there is none.</summary>
    public async Task<string?> ContainerIdAsync(CancellationToken ct) => (await FindAsync(ct))?.ID;

    private async Task StartAsync(CancellationToken ct)
    {
        var moduleDirectory = options.Launch.ModuleDirectory;
        if (!File.Exists(Path.Combine(moduleDirectory, RelayDll)))
            throw FederationException.FailedPrecondition($"{RelayDll} is not in {moduleDirectory}");
        if (SocketPath.Length > RelaySettings.MaxSocketPath)
            throw FederationException.FailedPrecondition($"the relay's control socket {SocketPath} would be longer than a unix socket path may be; choose a shorter --state-dir");
        // The coordinator makes the directory (owner-only), so it is its user's; the relay runs as that user.
        if (OperatingSystem.IsWindows()) throw FederationException.FailedPrecondition("the relay serves its control API on a unix socket: it runs on Linux hosts");
        System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var dotnet = options.Launch.DotnetRoot;
        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = Name,
            Image = options.Launch.RuntimeImage,
            Entrypoint = [Path.Combine(dotnet, "dotnet"), $"{ModulePath}/{RelayDll}"],
            User = HostUser.UidGid() ?? "",
            Env =
            [
                $"DOTNET_ROOT={dotnet}",
                "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1",
                "DOTNET_CLI_TELEMETRY_OPTOUT=1",
                "DOTNET_NOLOGO=1",
                // No diagnostics IPC socket: the root file system is read-only.
                "DOTNET_EnableDiagnostics=0",
                $"FEDERATION_RELAY_DIR={RelayPath}",
                .. Settings(),
            ],
            Labels = new Dictionary<string, string> { [OwnerLabel] = options.Launch.OwnerLabel, [RelayLabel] = options.Cluster },
            HostConfig = new HostConfig
            {
                // The stable addresses are 127.0.0.1 of the host, and so are the backends published by the runtimes.
                NetworkMode = "host",
                Binds =
                [
                    $"{dotnet}:{dotnet}:ro",
                    $"{moduleDirectory}:{ModulePath}:ro",
                    $"{Directory}:{RelayPath}:rw",
                ],
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.UnlessStopped },
                ReadonlyRootfs = true,
                Tmpfs = new Dictionary<string, string> { ["/tmp"] = "" },
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
            },
        }, ct);
        await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct);
        LogStarted(logger, Name, options.Cluster, options.MaxTrafficHold);
    }

    /// <summary>The settings this coordinator gives its relay (environment entries).</summary>
    private string[] Settings() =>
    [
        $"FEDERATION_RELAY_MAX_HOLD={options.MaxTrafficHold.TotalSeconds.ToString(CultureInfo.InvariantCulture)}",
        $"FEDERATION_RELAY_MAX_CONNECTIONS={options.MaxRelayConnections.ToString(CultureInfo.InvariantCulture)}",
    ];

    /// <summary>A relay found running keeps the settings it was started with (its listeners and holds must not restart); says so when they differ from this coordinator's.</summary>
    private async Task WarnOfOtherSettingsAsync(string id, CancellationToken ct)
    {
        if (Interlocked.Exchange(ref settingsChecked, 1) == 1) return;
        var environment = (await docker.Containers.InspectContainerAsync(id, ct)).Config.Env ?? [];
        var differing = Settings().Where(s => !environment.Contains(s)).ToList();
        if (differing.Count > 0)
            LogOtherSettings(logger, Name, string.Join(", ", environment.Where(e => e.StartsWith("FEDERATION_RELAY_MAX_", StringComparison.Ordinal))), string.Join(", ", differing));
    }

    private async Task WaitUntilAnsweringAsync(CancellationToken ct)
    {
        using var channel = RelayChannel.ForSocket(SocketPath);
        var control = new V1.Relay.RelayClient(channel);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(ReadyTimeout);
        var last = "no answer yet";
        try
        {
            await Backoff.Poll(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1), _ => false).ExecuteAsync(CheckAsync, limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw Unavailable($"it did not answer within {ReadyTimeout.TotalSeconds:F0} s: {last}");
        }

        // Null once the control socket answers; why not yet otherwise, or an exception when the relay is gone for good.
        async ValueTask<string?> CheckAsync(CancellationToken token)
        {
            try
            {
                await control.ListRoutesAsync(new V1.ListRelayRoutesRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: token);
                return null;
            }
            catch (RpcException e) when (!token.IsCancellationRequested)
            {
                if (await WhyGoneAsync(token) is { } gone) throw Unavailable(gone);
                return last = ErrorMappingInterceptor.OneLine(e.Status.Detail);
            }
        }
    }

    private FederationException Unavailable(string why) => FederationException.Unavailable($"the relay of cluster '{options.Cluster}' ({Name}) is not serving: {why}");

    /// <summary>Why the relay cannot come up (its container is gone, or exited for good), or null while it may.</summary>
    private async Task<string?> WhyGoneAsync(CancellationToken ct)
    {
        var found = await FindAsync(ct);
        if (found is null) return "its container is gone";
        if (found.State is "running" or "restarting") return null;
        var inspect = await docker.Containers.InspectContainerAsync(found.ID, ct);
        if (inspect.State.Restarting) return null;
        using var stream = await docker.Containers.GetContainerLogsAsync(found.ID, tty: false,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = "5" }, ct);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct);
        return $"it exited with {inspect.State.ExitCode}: {ErrorMappingInterceptor.OneLine(string.Join(" | ", (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3)))}";
    }

    private async Task<ContainerListResponse?> FindAsync(CancellationToken ct)
    {
        var found = await ListAsync(ct);
        return found.FirstOrDefault(c => c.State == "running") ?? found.FirstOrDefault();
    }

    private async Task<IList<ContainerListResponse>> ListAsync(CancellationToken ct) =>
        await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{OwnerLabel}={options.Launch.OwnerLabel}"] = true, [$"{RelayLabel}={options.Cluster}"] = true },
            },
        }, ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "relay {Name} of cluster {Cluster} started (holds end after {MaxHold} at the latest)")]
    private static partial void LogStarted(ILogger logger, string name, string cluster, TimeSpan maxHold);

    [LoggerMessage(Level = LogLevel.Warning, Message = "relay {Name} was {State}; started it again")]
    private static partial void LogStartedAgain(ILogger logger, string name, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "relay {Name} runs with {Running}, not {Configured}: it keeps them until it is removed (with its last route) and started again")]
    private static partial void LogOtherSettings(ILogger logger, string name, string running, string configured);

    [LoggerMessage(Level = LogLevel.Information, Message = "relay {Name} removed: no stable address left")]
    private static partial void LogRemoved(ILogger logger, string name);
}
