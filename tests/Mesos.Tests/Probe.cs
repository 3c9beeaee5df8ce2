using System.Net.Sockets;
using System.Text;

namespace Federation.Mesos.Tests;

/// <summary>One request to the test app ("host:port", one command line, one reply line) and bounded waiting for a condition.</summary>
internal static class Probe
{
    public static async Task<string> AskAsync(string address, string command, CancellationToken ct)
    {
        var colon = address.LastIndexOf(':');
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(address[..colon], int.Parse(address[(colon + 1)..]), timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    /// <summary>Polls <paramref name="check"/> (at most 300 times, 100 ms apart) until it holds; false when it never did.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> check, CancellationToken ct)
    {
        for (var i = 0; i < 300; i++)
        {
            if (check()) return true;
            await Task.Delay(100, ct);
        }
        return check();
    }
}
