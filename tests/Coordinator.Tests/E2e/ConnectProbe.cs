using System.Globalization;
using Docker.DotNet.Models;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// Tries TCP connections the way a neighbour of a runtime would: from a throwaway container on a Docker network
/// (busybox <c>nc</c> of the test app image), connecting and closing again without sending anything, or asking the
/// test app one command. The container is named after the test run's prefix and removed afterwards, whatever happens.
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
        var results = (await RunAsync(network, script)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ', 2))
            .Where(parts => parts.Length == 2 && parts[0] is "open" or "closed").ToDictionary(parts => parts[1], parts => parts[0] == "open");
        Assert.That(results.Keys, Is.EquivalentTo(endpoints), "the probe tried every endpoint");
        return results;
    }

    /// <summary>Sends the test app's <paramref name="command"/> (one line) to each endpoint from a container on <paramref name="network"/>.</summary>
    /// <param name="endpoints">"address:port" (IPv4), each asked once with a 3 s connect timeout.</param>
    /// <returns>Endpoint -> the line the app answered, "" when it could not be reached or did not answer.</returns>
    public static async Task<IReadOnlyDictionary<string, string>> AskFromNetworkAsync(string network, IReadOnlyCollection<string> endpoints, string command)
    {
        if (command.Length == 0 || !command.All(char.IsAsciiLetterUpper)) throw new ArgumentException($"'{command}' is no test app command", nameof(command));
        var script = string.Concat(endpoints.Select(endpoint =>
        {
            var (host, port) = Split(endpoint);
            return $"echo \"answer {endpoint} $(echo {command} | nc -w 3 {host} {port} | head -n 1)\"; ";
        }));
        var results = (await RunAsync(network, script)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ', 3))
            .Where(parts => parts.Length >= 2 && parts[0] == "answer").ToDictionary(parts => parts[1], parts => parts.Length == 3 ? parts[2].Trim() : "");
        Assert.That(results.Keys, Is.EquivalentTo(endpoints), "the client asked every endpoint");
        return results;
    }

    /// <summary>Runs <paramref name="script"/> in a throwaway container of the test app image on <paramref name="network"/> and returns its output.</summary>
    private static async Task<string> RunAsync(string network, string script)
    {
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
            return stdout;
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
