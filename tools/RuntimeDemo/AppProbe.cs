using System.Net.Sockets;
using System.Text;

namespace Federation.RuntimeDemo;

/// <summary>Reads the test app's status line ("counter=N seed=S checksum=C ...") over TCP.</summary>
public static class AppProbe
{
    public static async Task<IReadOnlyDictionary<string, string>?> TryReadAsync(int port, string command, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), timeout.Token);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            var line = await reader.ReadLineAsync(timeout.Token);
            if (line is null || !line.StartsWith("counter=", StringComparison.Ordinal)) return null;
            return line.Split(' ').Select(f => f.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public static async Task<IReadOnlyDictionary<string, string>> WaitAsync(int port, string command, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await TryReadAsync(port, command, ct) is { } status) return status;
            await Task.Delay(20, ct);
        }
        throw new TimeoutException($"the app on 127.0.0.1:{port} did not answer");
    }
}
