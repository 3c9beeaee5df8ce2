using System.Net.Sockets;
using Docker.DotNet;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers Probe: whether the inner dockerd answers and, for an app, whether it runs and its first
/// port accepts connections.
/// </summary>
public sealed class RuntimeProber(DockerSocket docker, AppDescriber describer, RuntimeModuleOptions options)
{
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
        var described = await describer.GetAsync(app, ct);
        response.AppRunning = described.State == AppState.Running;
        var port = described.Spec.Ports.FirstOrDefault();
        if (response.AppRunning && port is not null)
            response.AppAccepting = await AcceptsAsync(options.AppProbeHost, (int)AppContainers.RuntimePort(port), ct);
        response.Message = $"app '{app}' is {described.State}" + (port is null ? "" : response.AppAccepting ? ", accepting" : ", not accepting");
        return response;
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
}
