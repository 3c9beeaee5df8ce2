using Docker.DotNet;

namespace Federation.Tests.Harness;

/// <summary>The local dockerd the test clusters run their containers on.</summary>
public static class LocalDocker
{
    private const string Socket = "/var/run/docker.sock";

    /// <summary>A client of /var/run/docker.sock that has answered a ping.</summary>
    /// <exception cref="InvalidOperationException">Docker is not reachable: one line saying so.</exception>
    public static async Task<DockerClient> ConnectAsync(CancellationToken ct)
    {
        var docker = new DockerClientConfiguration(new Uri($"unix://{Socket}")).CreateClient();
        try
        {
            await docker.System.PingAsync(ct);
            return docker;
        }
        catch (Exception e) when (e is HttpRequestException or DockerApiException or IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            docker.Dispose();
            throw new InvalidOperationException($"Docker is not reachable at {Socket}: {e.Message}");
        }
    }
}
