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
/// it and waits for a restore. Then it streams the app's output and ends with the app's exit code (a workload of
/// several: every container's output, each line prefixed with "[container] ", and the first failing container's exit code),
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
        var expected = AppSpecContainers.Of(spec).Count;
        IReadOnlyList<string> followed = [];
        while (!ct.IsCancellationRequested)
        {
            var all = await containers.FindAllAsync(spec.Name, ct);
            var record = await registry.GetAsync(spec.Name, ct);
            if (record is null && all.Count == 0)
            {
                LogRemoved(logger, spec.Name);
                return 0;
            }
            var ids = all.Select(c => c.ID).ToList();
            if (all.Count < expected || ids.SequenceEqual(followed) || all.Any(c => c.State is "created"))
            {
                await Task.Delay(PollInterval, ct);
                continue;
            }

            followed = ids;
            var exitCode = AppSpecContainers.IsListed(spec) ? await FollowAllAsync(all, ct) : await FollowAsync(ids[0], null, ct);
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

    /// <summary>
    /// Mirrors every container of a workload of several (output lines prefixed with the container's name) until one fails
    /// (its exit code is the workload's) or all ended well (0).
    /// </summary>
    private async Task<int> FollowAllAsync(IReadOnlyList<ContainerListResponse> all, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = all.Select(c => FollowAsync(c.ID, AppContainers.ContainerName(c), stop.Token)).ToList();
        try
        {
            while (running.Count > 0)
            {
                var ended = await Task.WhenAny(running);
                running.Remove(ended);
                var code = await ended;
                if (code != 0) return code;
            }
            return 0;
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private async Task<int> FollowAsync(string containerId, string? prefix, CancellationToken ct)
    {
        using var logs = await docker.Client.Containers.GetContainerLogsAsync(containerId, tty: false,
            new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true }, ct);
        var copy = CopyAsync(logs, prefix, ct);
        var wait = await docker.Client.Containers.WaitContainerAsync(containerId, ct);
        try
        {
            await copy.WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
        catch (TimeoutException) { }
        return (int)wait.StatusCode;
    }

    private async Task CopyAsync(MultiplexedStream logs, string? prefix, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var atLineStart = new Dictionary<MultiplexedStream.TargetStream, bool>();
        while (true)
        {
            var read = await logs.ReadOutputAsync(buffer, 0, buffer.Length, ct);
            if (read.EOF) return;
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, read.Count);
            var target = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
            if (prefix is not null)
            {
                var start = atLineStart.GetValueOrDefault(read.Target, true);
                atLineStart[read.Target] = text.EndsWith('\n');
                text = Prefixed(text, $"[{prefix}] ", start);
            }
            await target.WriteAsync(text);
            await target.FlushAsync(ct);
        }
    }

    /// <summary>Puts the prefix before every line that starts in the text (the first one only when it starts a line).</summary>
    public static string Prefixed(string text, string prefix, bool startsLine)
    {
        var lines = text.Split('\n');
        var result = new System.Text.StringBuilder(text.Length + lines.Length * prefix.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0) result.Append('\n');
            if (lines[i].Length > 0 && (i > 0 || startsLine)) result.Append(prefix);
            result.Append(lines[i]);
        }
        return result.ToString();
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
