using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Fills CRIU's kernel-feature cache (<c>/run/criu.kdat</c> in the runtime's mount namespace, where runc runs CRIU)
/// once, when the Engine starts. Without it the first CRIU of a runtime probes the kernel itself: on a destination
/// that first CRIU is the restore, inside the freeze. Runs <c>criu check</c> in the runtime's namespaces as soon as
/// dockerd is visible; bounded, and a failure is only logged (the restore then probes as before).
/// </summary>
public sealed partial class CriuKernelFeatureCache(RuntimeProcesses runtime, ILogger<CriuKernelFeatureCache> logger) : BackgroundService
{
    private static readonly TimeSpan WaitForDockerd = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pid = await DockerdAsync(stoppingToken);
        if (pid is null) return;
        var watch = Stopwatch.StartNew();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        bound.CancelAfter(CheckTimeout);
        var start = new ProcessStartInfo("nsenter", ["--target", pid.Value.ToString(CultureInfo.InvariantCulture), "--mount", "--", "criu", "check"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null) return;
            var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(bound.Token), process.StandardError.ReadToEndAsync(bound.Token));
            try
            {
                await process.WaitForExitAsync(bound.Token);
                await output;
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                if (!stoppingToken.IsCancellationRequested) LogFailed(logger, $"criu check did not end within {CheckTimeout.TotalSeconds:F0} s");
                return;
            }
            // criu check exits non-zero for a missing optional feature (tun, ...), after it has written the cache.
            LogWarmed(logger, (long)watch.Elapsed.TotalMilliseconds, process.ExitCode);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            LogFailed(logger, e.Message);
        }
    }

    private async Task<int?> DockerdAsync(CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < WaitForDockerd)
        {
            if (runtime.Dockerd() is { } pid) return pid;
            try
            {
                await Task.Delay(PollInterval, ct);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
        LogFailed(logger, "dockerd is not visible: the Engine does not share the runtime's process namespace");
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "CRIU's kernel-feature cache filled in {Milliseconds} ms (criu check exited {Code})")]
    private static partial void LogWarmed(ILogger logger, long milliseconds, int code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CRIU's kernel-feature cache not filled: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
