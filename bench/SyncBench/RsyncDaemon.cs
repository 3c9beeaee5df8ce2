using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Federation.SyncBench;

/// <summary>`rsync --daemon` on 127.0.0.1 (a free port) with a module "bench" over a temp directory.</summary>
internal sealed partial class RsyncDaemon : IDisposable
{
    private readonly Process process;
    private readonly int port;

    public RsyncDaemon(string work)
    {
        Root = Path.Join(work, "rsync-root");
        Directory.CreateDirectory(Root);
        port = FreePort();
        var config = Path.Join(work, "rsyncd.conf");
        File.WriteAllText(config, $"""
            port = {port}
            address = 127.0.0.1
            use chroot = false
            pid file = {Path.Join(work, "rsyncd.pid")}
            log file = {Path.Join(work, "rsyncd.log")}
            [bench]
              path = {Root}
              read only = false
              uid = root
              gid = root

            """);
        var info = new ProcessStartInfo("rsync") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--daemon", "--no-detach", $"--config={config}" }) info.ArgumentList.Add(arg);
        process = Process.Start(info)!;
        WaitUntilListening();
    }

    public string Root { get; }

    /// <summary>Copies a directory's contents to module path <paramref name="target"/>; returns wall time and bytes the client sent.</summary>
    public (TimeSpan Elapsed, long BytesSent, long BytesReceived) Send(string sourceDirectory, string target, bool compress = false)
    {
        var args = new List<string> { compress ? "-az" : "-a", "--stats", sourceDirectory.TrimEnd('/') + "/", $"rsync://127.0.0.1:{port}/bench/{target}/" };
        var (output, elapsed) = ChildProcess.Run("rsync", [.. args]);
        return (elapsed, Number(SentPattern(), output), Number(ReceivedPattern(), output));
    }

    private static long Number(Regex pattern, string output) =>
        long.Parse(pattern.Match(output).Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private void WaitUntilListening()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException("rsync --daemon did not start listening");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [GeneratedRegex(@"Total bytes sent: ([\d,]+)")]
    private static partial Regex SentPattern();

    [GeneratedRegex(@"Total bytes received: ([\d,]+)")]
    private static partial Regex ReceivedPattern();

    public void Dispose()
    {
        if (!process.HasExited) process.Kill();
        process.WaitForExit(5000);
        process.Dispose();
    }
}
