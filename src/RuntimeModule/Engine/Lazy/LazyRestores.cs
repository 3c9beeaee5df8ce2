using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Federation.Common;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// Starts the helpers of lazy restores (<see cref="LazyRestore"/>) and finds them by app and checkpoint for the page tunnel.
/// The daemon runs in the runtime's mount namespace, like runc and the restore's CRIU, and in the runtime's network
/// namespace, which the Engine shares: it fetches pages from 127.0.0.1:port, this Engine.
/// </summary>
public sealed partial class LazyRestores(RuntimeProcesses runtime, ILogger<LazyRestores> logger)
{
    private const string SocketName = "lazy-pages.socket";
    private const string LogName = "lazy-pages.log";

    /// <summary>How long a started lazy restore waits for the source's page tunnel before it gives up.</summary>
    private static readonly TimeSpan TunnelWait = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<(string App, string Checkpoint), LazyRestore> restores = new();

    public LazyRestore? Find(string app, string checkpoint) => restores.GetValueOrDefault((app, checkpoint));

    /// <summary>Starts the daemon for <paramref name="imagesDirectory"/> and waits until its socket is there (at most 20 s).</summary>
    public async Task<LazyRestore> StartAsync(string app, string checkpoint, string key, string imagesDirectory, CancellationToken ct)
    {
        // Short: CRIU's unix socket path must fit in 108 bytes.
        var workDirectory = "/tmp/fed-lazy-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var seen = runtime.InRuntime(workDirectory) ?? throw FederationException.FailedPrecondition(
            "a lazy restore needs the runtime's processes: run the Engine in the runtime's process namespace");
        Directory.CreateDirectory(seen);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(1);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        RuntimeCommand daemon;
        try
        {
            daemon = runtime.StartInRuntime("a lazy restore",
            [
                // Niced: once the restore has finished, CRIU 4.2's daemon polls with a zero timeout while a request is out (a busy
                // loop); it must not take the CPU from the Engines relaying its pages and from the restored app.
                "nice", "-n", "19", "criu", "lazy-pages", "--page-server", "--address", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
                "--images-dir", imagesDirectory, "--work-dir", workDirectory, "-o", LogName, "-v2",
            ]);
        }
        catch (FederationException)
        {
            listener.Stop();
            throw;
        }
        LazyRestore? restore = null;
        var finished = FinishAsync(app, daemon, seen, () => restore?.StopReason);
        restore = new LazyRestore(app, checkpoint, key, workDirectory, listener, daemon, finished);
        // Bounded: 20 s of 5 ms tries.
        for (var i = 0; !File.Exists(Path.Combine(seen, SocketName)); i++)
        {
            if (finished.IsCompleted || i >= 4000 || ct.IsCancellationRequested)
            {
                restore.Dispose();
                var why = finished.IsCompleted ? await finished : "its socket did not appear within 20 s";
                throw FederationException.FailedPrecondition($"CRIU's lazy-pages daemon for app '{app}' did not start: {why}");
            }
            await Task.Delay(5, CancellationToken.None);
        }
        restores[(app, checkpoint)] = restore;
        _ = StopUnclaimedAsync(restore);
        _ = finished.ContinueWith(_ =>
        {
            restores.TryRemove(new KeyValuePair<(string, string), LazyRestore>((app, checkpoint), restore));
            restore.Dispose();
            try { Directory.Delete(seen, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return restore;
    }

    private static async Task StopUnclaimedAsync(LazyRestore restore)
    {
        if (await Task.WhenAny(restore.Finished, Task.Delay(TunnelWait)) != restore.Finished && restore.TryClaimTunnel())
            restore.Stop($"no page tunnel from the source came within {TunnelWait.TotalSeconds:F0} s");
    }

    private async Task<string?> FinishAsync(string app, RuntimeCommand daemon, string seenWorkDirectory, Func<string?> stopReason)
    {
        var (code, output) = await daemon.Exited;
        if (code == 0)
        {
            LogComplete(logger, app);
            return null;
        }
        var criu = CriuLog.LastError(seenWorkDirectory, LogName);
        var why = stopReason() ?? criu ?? (output.Length > 0 ? ErrorMappingInterceptor.OneLine(output) : $"it exited {code}");
        LogFailed(logger, app, why);
        return why;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App}: every page of its lazy restore is here")]
    private static partial void LogComplete(ILogger logger, string app);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: CRIU's lazy-pages daemon failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string app, string reason);
}
