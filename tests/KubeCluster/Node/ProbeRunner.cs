using System.Net.Sockets;
using Docker.DotNet;
using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>One probe of one container (readiness or liveness) with the kubelet's thresholds: tcpSocket, exec and httpGet.</summary>
public sealed class ProbeRunner(V1Probe probe, V1Container container)
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private DateTimeOffset nextAt = DateTimeOffset.MinValue;
    private int successes, failures;

    /// <summary>The probe's verdict so far: null before it reached a threshold.</summary>
    public bool? Healthy { get; private set; }

    public string LastMessage { get; private set; } = "";

    /// <summary>Forgets the results (the container started again): the initial delay counts from <paramref name="startedAt"/>.</summary>
    public void Reset(DateTimeOffset startedAt)
    {
        successes = failures = 0;
        Healthy = null;
        nextAt = startedAt + TimeSpan.FromSeconds(probe.InitialDelaySeconds ?? 0);
    }

    /// <summary>Probes if it is due. Returns true when it probed.</summary>
    public async Task<bool> ProbeIfDueAsync(DockerClient docker, string containerId, string podIp, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        if (now < nextAt) return false;
        nextAt = now + TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        var ok = await ProbeAsync(docker, containerId, podIp, ct);
        if (ok)
        {
            failures = 0;
            if (++successes >= Math.Max(1, probe.SuccessThreshold ?? 1)) Healthy = true;
        }
        else
        {
            successes = 0;
            if (++failures >= Math.Max(1, probe.FailureThreshold ?? 3)) Healthy = false;
        }
        return true;
    }

    private async Task<bool> ProbeAsync(DockerClient docker, string containerId, string podIp, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        try
        {
            if (probe.Exec is { } exec)
            {
                var (code, output) = await ContainerExec.RunAsync(docker, containerId, exec.Command, timeout, ct);
                LastMessage = code == 0 ? "" : $"exec probe {(code is null ? "timed out" : $"exited {code}")}: {output.Trim()}";
                return code == 0;
            }
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bounded.CancelAfter(timeout);
            if (probe.TcpSocket is { } tcp)
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(Host(tcp.Host, podIp), PortOf(tcp.Port), bounded.Token);
                LastMessage = "";
                return true;
            }
            if (probe.HttpGet is { } http)
            {
                var path = string.IsNullOrEmpty(http.Path) ? "/" : http.Path;
                var uri = new Uri($"{(http.Scheme?.ToUpperInvariant() == "HTTPS" ? "https" : "http")}://{Host(http.Host, podIp)}:{PortOf(http.Port)}{path}");
                using var response = await Http.GetAsync(uri, bounded.Token);
                var code = (int)response.StatusCode;
                LastMessage = code is >= 200 and < 400 ? "" : $"HTTP probe failed with statuscode: {code}";
                return code is >= 200 and < 400;
            }
            LastMessage = "the probe has no handler the test node supports (exec, tcpSocket, httpGet)";
            return false;
        }
        catch (Exception e) when (e is SocketException or IOException or HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            LastMessage = $"probe failed: {e.Message}";
            return false;
        }
    }

    private static string Host(string? host, string podIp) => string.IsNullOrEmpty(host) ? podIp : host;

    private int PortOf(IntOrString port)
    {
        if (int.TryParse(port.Value, out var number)) return number;
        return container.Ports?.FirstOrDefault(p => p.Name == port.Value)?.ContainerPort
            ?? throw new PodConfigException($"container {container.Name}: probe names port {port.Value}, which the container does not declare");
    }
}
