using System.Globalization;
using Docker.DotNet.Models;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// Tries TCP connections the way a neighbour of a runtime would: from a throwaway container on a Docker network
/// (busybox <c>nc</c> of the test app image), connecting and closing again without sending anything. The
/// container is named after the test run's prefix and removed afterwards, whatever happens.
/// </summary>
public static class ConnectProbe
{
    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(90);

    /// <param name="endpoints">"address:port" (IPv4), each tried once with a 3 s connect timeout.</param>
    /// <returns>Endpoint -> whether a connection opened.</returns>
    public static async Task<IReadOnlyDictionary<string, bool>> FromNetworkAsync(string network, IReadOnlyCollection<string> endpoints)
    {
        var script = string.Concat(endpoints.Select(endpoint =>
        {
            var (host, port) = Split(endpoint);
            return $"if nc -w 3 {host} {port} -e /bin/echo; then echo 'open {endpoint}'; else echo 'closed {endpoint}'; fi; ";
        }));
        using var docker = TestEnvironment.OuterDocker();
        var probe = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"{LocalClusters.Prefix}-probe-{Guid.NewGuid():N}"[..(LocalClusters.Prefix.Length + 15)],
            Image = TestEnvironment.TestAppImage,
            Entrypoint = ["/bin/sh", "-c", script],
            HostConfig = new HostConfig { NetworkMode = network },
        });
        try
        {
            await docker.Containers.StartContainerAsync(probe.ID, new ContainerStartParameters());
            using var timeout = new CancellationTokenSource(ProbeLimit);
            await docker.Containers.WaitContainerAsync(probe.ID, timeout.Token);
            using var logs = await docker.Containers.GetContainerLogsAsync(probe.ID, tty: false,
                new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, timeout.Token);
            var (stdout, stderr) = await logs.ReadOutputToEndAsync(timeout.Token);
            TestContext.Out.WriteLine($"probe from network {network}:\n{stdout}{stderr}");
            var results = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ', 2))
                .Where(parts => parts.Length == 2 && parts[0] is "open" or "closed").ToDictionary(parts => parts[1], parts => parts[0] == "open");
            Assert.That(results.Keys, Is.EquivalentTo(endpoints), "the probe tried every endpoint");
            return results;
        }
        finally
        {
            await docker.Containers.RemoveContainerAsync(probe.ID, new ContainerRemoveParameters { Force = true });
        }
    }

    private static (string Host, int Port) Split(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        // Only an IPv4 address and a port go into the probe's shell script.
        if (colon <= 0 || !System.Net.IPAddress.TryParse(endpoint[..colon], out var address)
            || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            throw new ArgumentException($"'{endpoint}' is not IPV4:PORT", nameof(endpoint));
        return (address.ToString(), port);
    }
}
