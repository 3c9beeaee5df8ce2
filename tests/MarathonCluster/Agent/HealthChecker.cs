using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Tests.Marathon.Model;
using Federation.Tests.Marathon.State;

namespace Federation.Tests.Marathon.Agent;

/// <summary>
/// One health check of one task, as Marathon runs it: TCP connect, HTTP GET (2xx/3xx healthy; 1xx too unless ignoreHttp1xx)
/// against the task's host and port, or COMMAND in the container; every intervalSeconds, each bounded by timeoutSeconds.
/// Failures in the grace period before the first success do not count. <see cref="Result"/> is null until the first check.
/// </summary>
public sealed class HealthChecker(HealthCheckSpec spec, string taskId, DateTimeOffset startedAt)
{
    private readonly DateTimeOffset graceEnds = startedAt + TimeSpan.FromSeconds(spec.GracePeriodSeconds);
    private static readonly HttpClient Http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    private DateTimeOffset nextAt = startedAt;

    public HealthResult? Result { get; private set; }

    /// <summary>Failed maxConsecutiveFailures times in a row (after the grace period): Marathon kills the task.</summary>
    public bool Exhausted => spec.MaxConsecutiveFailures > 0 && Result is { ConsecutiveFailures: var n } && n >= spec.MaxConsecutiveFailures;

    /// <summary>Checks if it is due; true when the result changed.</summary>
    public async Task<bool> CheckIfDueAsync(DockerClient docker, string containerId, string host, int? port, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        if (now < nextAt) return false;
        nextAt = now + TimeSpan.FromSeconds(Math.Max(1, spec.IntervalSeconds));
        var (ok, cause) = await CheckAsync(docker, containerId, host, port, ct);
        var at = VersionClock.Now();
        var previous = Result;
        if (ok)
        {
            Result = new HealthResult(true, 0, previous?.FirstSuccess ?? at, at, previous?.LastFailure, taskId, previous?.LastFailureCause);
        }
        else
        {
            var inGrace = previous?.FirstSuccess is null && now < graceEnds;
            Result = new HealthResult(false, inGrace ? 0 : (previous?.ConsecutiveFailures ?? 0) + 1, previous?.FirstSuccess, previous?.LastSuccess, at, taskId, cause);
        }
        return previous != Result;
    }

    private async Task<(bool, string)> CheckAsync(DockerClient docker, string containerId, string host, int? port, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, spec.TimeoutSeconds));
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            switch (spec.Kind)
            {
                case "COMMAND":
                    return await CommandAsync(docker, containerId, spec.Command ?? "true", bounded.Token);
                case "TCP":
                {
                    if (port is not { } p) return (false, "the health check's port index addresses no port of the task");
                    using var socket = new TcpClient();
                    await socket.ConnectAsync(host, p, bounded.Token);
                    return (true, "");
                }
                default:
                {
                    if (port is not { } p) return (false, "the health check's port index addresses no port of the task");
                    var uri = new Uri($"{(spec.Https ? "https" : "http")}://{host}:{p}{(spec.Path.StartsWith('/') ? spec.Path : "/" + spec.Path)}");
                    using var response = await Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, bounded.Token);
                    var code = (int)response.StatusCode;
                    var healthy = code is >= 200 and < 400 || (code is >= 100 and < 200 && !spec.IgnoreHttp1xx);
                    return (healthy, healthy ? "" : $"HTTP {code}");
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"health check timed out after {timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is SocketException or IOException or HttpRequestException or DockerApiException)
        {
            return (false, e.Message);
        }
    }

    private static async Task<(bool, string)> CommandAsync(DockerClient docker, string containerId, string command, CancellationToken ct)
    {
        var exec = await docker.Exec.ExecCreateContainerAsync(containerId, new ContainerExecCreateParameters
        {
            Cmd = ["/bin/sh", "-c", command],
            AttachStdout = true,
            AttachStderr = true,
        }, ct);
        using var stream = await docker.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, ct);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct);
        var inspect = await docker.Exec.InspectContainerExecAsync(exec.ID, ct);
        return inspect.ExitCode == 0 ? (true, "") : (false, $"command exited {inspect.ExitCode}: {(stdout + stderr).Trim()}");
    }
}
