using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.RuntimeModule.Engine;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Ambassador;

/// <summary>
/// Mirrors the nested app to the orchestrator. Active: creates and starts the app. Passive: registers
/// it and waits for a restore. Then it streams the app's output and ends with the app's exit code,
/// so the orchestrator sees a crash and heals it. When the app was checkpointed away (migrated), the
/// ambassador keeps waiting: the app may be restored here again (rollback), or the workload deleted.
/// </summary>
public sealed partial class AmbassadorRunner(
    RuntimeProber prober,
    AppCreator creator,
    AppContainers containers,
    AppRegistry registry,
    DockerSocket docker,
    TextWriter stdout,
    TextWriter stderr,
    ILogger<AmbassadorRunner> logger)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public async Task<int> RunAsync(AppSpec spec, StartMode mode, CancellationToken ct)
    {
        await WaitForDockerAsync(ct);
        await creator.CreateAsync(spec, mode, ct);
        LogWatching(logger, spec.Name, mode);
        string? followed = null;
        while (!ct.IsCancellationRequested)
        {
            var container = await containers.FindAsync(spec.Name, ct);
            var record = await registry.GetAsync(spec.Name, ct);
            if (record is null && container is null)
            {
                LogRemoved(logger, spec.Name);
                return 0;
            }
            if (container is null || container.ID == followed || container.State is "created")
            {
                await Task.Delay(PollInterval, ct);
                continue;
            }

            followed = container.ID;
            var exitCode = await FollowAsync(container.ID, ct);
            record = await registry.GetAsync(spec.Name, ct);
            if (record is null) return 0;
            if (record.CheckpointedAway)
            {
                LogMovedAway(logger, spec.Name);
                continue;
            }
            LogExited(logger, spec.Name, exitCode);
            return exitCode;
        }
        ct.ThrowIfCancellationRequested();
        return 0;
    }

    private async Task<int> FollowAsync(string containerId, CancellationToken ct)
    {
        using var logs = await docker.Client.Containers.GetContainerLogsAsync(containerId, tty: false,
            new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true }, ct);
        var copy = CopyAsync(logs, ct);
        var wait = await docker.Client.Containers.WaitContainerAsync(containerId, ct);
        try
        {
            await copy.WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
        catch (TimeoutException) { }
        return (int)wait.StatusCode;
    }

    private async Task CopyAsync(MultiplexedStream logs, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await logs.ReadOutputAsync(buffer, 0, buffer.Length, ct);
            if (read.EOF) return;
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, read.Count);
            var target = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
            await target.WriteAsync(text);
            await target.FlushAsync(ct);
        }
    }

    private async Task WaitForDockerAsync(CancellationToken ct)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var probe = await prober.ProbeAsync(null, ct);
            if (probe.DockerReady) return;
            await Task.Delay(PollInterval, ct);
        }
        throw FederationException.Unavailable($"inner dockerd did not answer on {docker.SocketPath} within 60 s");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ambassador watching app {App} ({Mode})")]
    private static partial void LogWatching(ILogger logger, string app, StartMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} was checkpointed away; waiting for a restore or removal")]
    private static partial void LogMovedAway(ILogger logger, string app);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} was removed; ambassador done")]
    private static partial void LogRemoved(ILogger logger, string app);

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} exited with {ExitCode}")]
    private static partial void LogExited(ILogger logger, string app, int exitCode);
}
