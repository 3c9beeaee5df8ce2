using System.Diagnostics;
using System.Net.Sockets;

namespace Federation.MigrationBench;

/// <summary>
/// An <c>rsync --daemon</c> in a runtime's network namespace (nsenter --net; host paths stay visible), serving module
/// <c>ckpt</c> = a directory on that runtime's state volume: the baseline's copy crosses the runtimes' network (and the slow link).
/// </summary>
public sealed class RsyncDaemon : IAsyncDisposable
{
    public const int Port = 873;
    private readonly Process process;

    private RsyncDaemon(Process process) => this.process = process;

    public static async Task<RsyncDaemon> StartAsync(BaselineRuntime runtime, string directory, string work, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var config = Path.Combine(work, $"rsyncd-{runtime.Name}.conf");
        await File.WriteAllTextAsync(config, $"uid = root\ngid = root\nuse chroot = no\n[ckpt]\npath = {directory}\nread only = no\n", ct);
        var info = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { $"--net=/proc/{runtime.Pid}/ns/net", "rsync", "--daemon", "--no-detach", $"--config={config}", $"--address={runtime.Ip}", $"--port={Port}" })
            info.ArgumentList.Add(argument);
        var daemon = new RsyncDaemon(Process.Start(info) ?? throw new BenchException("cannot start nsenter rsync --daemon"));
        var until = BenchClock.Now + TimeSpan.FromSeconds(20);
        while (BenchClock.Now < until)
        {
            if (daemon.process.HasExited)
                throw new BenchException($"rsync --daemon in {runtime.Name} exited: {(await daemon.process.StandardError.ReadToEndAsync(ct)).Trim()}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(runtime.Ip, Port, ct);
                return daemon;
            }
            catch (SocketException)
            {
                await Task.Delay(100, ct);
            }
        }
        await daemon.DisposeAsync();
        throw new BenchException($"rsync --daemon in {runtime.Name} did not listen on {runtime.Ip}:{Port} within 20 s");
    }

    /// <summary>rsync -a from <paramref name="source"/> (in the sending runtime's namespace) into the module; returns rsync's "Total bytes sent".</summary>
    public static async Task<long> SendAsync(BaselineRuntime from, string source, BaselineRuntime to, string target, CancellationToken ct)
    {
        var output = await Shell.CheckedAsync("nsenter",
            [$"--net=/proc/{from.Pid}/ns/net", "rsync", "-a", "--stats", source.TrimEnd('/') + "/", $"rsync://{to.Ip}:{Port}/ckpt/{target}/"],
            TimeSpan.FromMinutes(10), ct);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Total bytes sent:", StringComparison.Ordinal))
            ?? throw new BenchException("rsync --stats printed no 'Total bytes sent'");
        return long.Parse(line["Total bytes sent:".Length..].Replace(",", "", StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await process.WaitForExitAsync(bound.Token); }
            catch (OperationCanceledException) { }
        }
        process.Dispose();
    }
}
