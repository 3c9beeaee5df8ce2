using System.Net.Sockets;
using System.Text;

namespace Federation.Tests.Marathon.Tests;

/// <summary>One command line to a TCP address ("127.0.0.1:port"), one reply line back (the test app's protocol).</summary>
public static class LineClient
{
    public static async Task<string> AskAsync(string address, string command = "GET")
    {
        var (host, port) = Split(address);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync(timeout.Token) ?? throw new IOException("closed without an answer");
    }

    public static (string Host, int Port) Split(string address)
    {
        var colon = address.LastIndexOf(':');
        return (address[..colon], int.Parse(address[(colon + 1)..]));
    }

    /// <summary>The seed field of a test app's answer: different for every process.</summary>
    public static string SeedOf(string answer) =>
        answer.Split(' ').Select(f => f.Split('=', 2)).First(p => p[0] == "seed")[1];
}
