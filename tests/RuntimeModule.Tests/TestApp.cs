using System.Net.Sockets;
using System.Text;
using Federation.V1;

namespace Federation.RuntimeModule.Tests;

/// <summary>Client of the test app's line protocol (images/testapp/testapp.c).</summary>
public static class TestApp
{
    public const int Port = 7000;

    public static AppSpec Spec(string name, string image, int mib, int dirtyKib) => new()
    {
        Name = name,
        Image = image,
        Command = { "/app/testapp" },
        Env = { ["MIB"] = mib.ToString(), ["DIRTY_KIB"] = dirtyKib.ToString(), ["PORT"] = Port.ToString() },
        Ports = { new PortMapping { ContainerPort = Port } },
    };

    /// <summary>
    /// Debian's redis-server and the test app's web part (MODE=web, BACKEND=redis), which keeps ONE connection to it: Redis first
    /// (a workload's first container owns the network namespace), then the web part that uses it over localhost.
    /// </summary>
    public static AppSpec WebAndRedis(string name, string image, string redisImage) => new()
    {
        Name = name,
        Ports = { new PortMapping { ContainerPort = Port } },
        Containers =
        {
            new AppContainer
            {
                Name = "redis", Image = redisImage,
                Command = { "/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no" },
            },
            new AppContainer
            {
                Name = "web", Image = image,
                Env = { ["MODE"] = "web", ["PORT"] = Port.ToString(), ["BACKEND"] = "redis", ["STORE"] = "127.0.0.1:6379" },
            },
        },
    };

    public static async Task<TestAppStatus> AskAsync(int hostPort, string command = "GET", CancellationToken ct = default) =>
        TestAppStatus.Parse(await SendAsync(hostPort, command, ct));

    public static async Task<string> SendAsync(int hostPort, string command, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", hostPort, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync(timeout.Token) ?? throw new IOException("the test app closed without answering");
    }

    /// <summary>Asks the web part (MODE=web) for STATS until it answers (bounded): right after a start or a restore.</summary>
    public static async Task<string> WaitForWebAsync(int port)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                return await SendAsync(port, "STATS");
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                last = e;
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"the web part on port {port} did not answer: {last?.Message}");
    }

    /// <summary>Asks until the app answers (bounded), for right after a start or restore.</summary>
    public static async Task<TestAppStatus> WaitAsync(int hostPort, string command = "GET", int attempts = 100)
    {
        Exception? last = null;
        for (var i = 0; i < attempts; i++)
        {
            try
            {
                return await AskAsync(hostPort, command);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or FormatException)
            {
                last = e;
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"test app on port {hostPort} did not answer: {last?.Message}");
    }
}

public sealed record TestAppStatus(ulong Counter, string Seed, string Checksum, IReadOnlyDictionary<string, string> Fields)
{
    public static TestAppStatus Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2))
            .Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!fields.TryGetValue("counter", out var counter)) throw new FormatException("not a test app status line: " + line);
        return new TestAppStatus(ulong.Parse(counter), fields["seed"], fields["checksum"], fields);
    }
}
