using System.Diagnostics;
using Federation.Common;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Checkpoints a container with runc directly, in the runtime's namespaces (entered with nsenter
/// through dockerd's process, which the Engine sees because the pod shares its process namespace).
/// Docker's checkpoint API routes the same dump through containerd's content store and takes about
/// ten times as long; Docker restores runc's images all the same.
/// </summary>
public sealed partial class RuncCheckpointer(RuntimeModuleOptions options, RuntimeProcesses runtime, ILogger<RuncCheckpointer> logger)
{
    /// <summary>True when dockerd's process is visible, so runc can be run in its namespaces.</summary>
    public bool Available => runtime.Dockerd() is not null;

    /// <param name="ct">Ends the wait only when the dump has outlived every reasonable bound: killing CRIU mid-dump leaves the app frozen, so callers pass a bound, not their call's token.</param>
    public async Task CheckpointAsync(string containerId, string imageDirectory, string workDirectory, bool leaveRunning,
        bool preDump, string? parentDirectory, CancellationToken ct)
    {
        var pid = runtime.Dockerd() ?? throw FederationException.FailedPrecondition(
            "runc checkpoint needs the runtime's processes: run the Engine in the runtime's process namespace");
        Directory.CreateDirectory(imageDirectory);
        Directory.CreateDirectory(workDirectory);
        List<string> args =
        [
            "--target", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mount", "--cgroup", "--uts", "--ipc", "--",
            "runc", "--root", options.RuncRoot, "checkpoint", "--image-path", imageDirectory, "--work-path", workDirectory,
        ];
        if (leaveRunning) args.Add("--leave-running");
        if (preDump) args.Add("--pre-dump");
        if (parentDirectory is not null) args.AddRange(["--parent-path", Path.GetRelativePath(imageDirectory, parentDirectory)]);
        args.Add(containerId);

        var start = new ProcessStartInfo("nsenter", args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start) ?? throw FederationException.Unavailable("cannot start nsenter");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
        {
            var criu = CriuLog.LastError(workDirectory, "dump.log") ?? CriuLog.LastError(workDirectory, "pre-dump.log");
            var message = ((await stderr) + (await stdout)).Trim();
            LogFailed(logger, containerId, process.ExitCode, message);
            throw FederationException.FailedPrecondition(
                $"runc checkpoint failed ({process.ExitCode}): {ErrorMappingInterceptor.OneLine(message)}" + (criu is null ? "" : $" (criu: {criu})"));
        }
    }

    /// <summary>
    /// Starts a post-copy dump (<c>runc checkpoint --lazy-pages</c>): CRIU writes everything but the app's memory, then serves
    /// the pages on 127.0.0.1:<c>port</c> until a lazy restore has them all, and kills the app. Returns once the page server
    /// listens (CRIU's status fd, written to a file of the work directory); the process runs on.
    /// </summary>
    /// <param name="ct">Ends the wait for the page server only; the dump itself is stopped with <see cref="Lazy.LazyDump.Abandon"/>.</param>
    public async Task<(System.Diagnostics.Process Process, int Port, Task<string?> Finished)> StartLazyAsync(string containerId, string imageDirectory,
        string workDirectory, CancellationToken ct)
    {
        var pid = runtime.Dockerd() ?? throw FederationException.FailedPrecondition(
            "runc checkpoint needs the runtime's processes: run the Engine in the runtime's process namespace");
        Directory.CreateDirectory(imageDirectory);
        Directory.CreateDirectory(workDirectory);
        var port = Lazy.LoopbackPorts.Free();
        var ready = Path.Combine(workDirectory, "page-server-ready");
        List<string> args =
        [
            "--target", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mount", "--cgroup", "--uts", "--ipc", "--",
            // runc hands its status fd (3, opened on a file here) to CRIU, which writes to it once the page server listens.
            "sh", "-c", "exec 3>\"$1\"; shift; exec \"$@\"", "sh", ready,
            "runc", "--root", options.RuncRoot, "checkpoint", "--image-path", imageDirectory, "--work-path", workDirectory,
            "--lazy-pages", "--page-server", $"127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "--status-fd", "3", containerId,
        ];
        var start = new ProcessStartInfo("nsenter", args) { RedirectStandardError = true, RedirectStandardOutput = true };
        var process = Process.Start(start) ?? throw FederationException.Unavailable("cannot start nsenter");
        var output = Task.WhenAll(process.StandardError.ReadToEndAsync(CancellationToken.None), process.StandardOutput.ReadToEndAsync(CancellationToken.None));
        var finished = FinishAsync(process, output, containerId, workDirectory);
        // Bounded: 60 s of 5 ms tries.
        for (var i = 0; ; i++)
        {
            if (File.Exists(ready) && new FileInfo(ready).Length > 0) return (process, port, finished);
            if (finished.IsCompleted)
            {
                throw FederationException.FailedPrecondition($"runc checkpoint --lazy-pages failed: {await finished ?? "it ended before its page server listened"}");
            }
            if (i >= 12000 || ct.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw FederationException.Unavailable("runc checkpoint --lazy-pages: its page server did not listen within 60 s");
            }
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private async Task<string?> FinishAsync(Process process, Task<string[]> output, string containerId, string workDirectory)
    {
        using (process)
        {
            await process.WaitForExitAsync(CancellationToken.None);
            var text = string.Concat(await output).Trim();
            if (process.ExitCode == 0) return null;
            var criu = CriuLog.LastError(workDirectory, "dump.log");
            LogFailed(logger, containerId, process.ExitCode, text);
            return $"runc checkpoint exited {process.ExitCode}: {ErrorMappingInterceptor.OneLine(text.Length > 0 ? text : "killed")}" + (criu is null ? "" : $" (criu: {criu})");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "runc checkpoint of {Container} exited {Code}: {Message}")]
    private static partial void LogFailed(ILogger logger, string container, int code, string message);
}
