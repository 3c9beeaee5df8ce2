using System.Net.Sockets;
using System.Text;

namespace Federation.MigrationBench;

/// <summary>The test app's line protocol on 127.0.0.1: one command per connection, one reply line.</summary>
public static class AppProtocol
{
    public static async Task<AppStatus> AskAsync(int port, string command, TimeSpan timeout, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port, bound.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), bound.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var line = await reader.ReadLineAsync(bound.Token) ?? throw new IOException("the app closed without answering");
        return AppStatus.Parse(line);
    }

    /// <summary>Asks until the app answers, bounded in time (right after a start or a restore).</summary>
    public static async Task<AppStatus> WaitAsync(int port, string command, TimeSpan bound, CancellationToken ct)
    {
        var until = BenchClock.Now + bound;
        var last = "";
        while (BenchClock.Now < until)
        {
            try
            {
                return await AskAsync(port, command, TimeSpan.FromSeconds(60), ct);
            }
            catch (Exception e) when (IsRequestFailure(e))
            {
                last = e.Message;
                await Task.Delay(100, ct);
            }
        }
        throw new BenchException($"the app on 127.0.0.1:{port} did not answer {command} within {bound.TotalSeconds:F0} s ({last})");
    }

    public static bool IsRequestFailure(Exception e) => e is IOException or SocketException or OperationCanceledException or FormatException;
}
