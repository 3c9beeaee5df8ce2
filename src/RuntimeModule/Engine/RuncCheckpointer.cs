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
        List<string> command = ["runc", "--root", options.RuncRoot, "checkpoint", "--image-path", imageDirectory, "--work-path", workDirectory];
        if (leaveRunning) command.Add("--leave-running");
        if (preDump) command.Add("--pre-dump");
        if (parentDirectory is not null) command.AddRange(["--parent-path", Path.GetRelativePath(imageDirectory, parentDirectory)]);
        command.Add(containerId);

        var dump = Start(imageDirectory, workDirectory, command);
        (int ExitCode, string Output) exited;
        try
        {
            exited = await dump.Exited.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            dump.Kill();
            throw;
        }
        if (exited.ExitCode != 0)
        {
            var criu = CriuLog.LastError(workDirectory, "dump.log") ?? CriuLog.LastError(workDirectory, "pre-dump.log");
            LogFailed(logger, containerId, exited.ExitCode, exited.Output);
            throw FederationException.FailedPrecondition(
                $"runc checkpoint failed ({exited.ExitCode}): {ErrorMappingInterceptor.OneLine(exited.Output)}" + (criu is null ? "" : $" (criu: {criu})"));
        }
    }

    /// <summary>
    /// Starts a post-copy dump (<c>runc checkpoint --lazy-pages</c>): CRIU writes everything but the app's memory, then serves
    /// the pages on 127.0.0.1:<c>port</c> until a lazy restore has them all, and kills the app. Returns once the page server
    /// listens (CRIU's status fd, written to a file of the work directory); the command runs on, and <c>Finished</c> completes
    /// when it ends: null when every page was served, else why not.
    /// </summary>
    /// <param name="ct">Ends the wait for the page server only; the dump itself is stopped through <see cref="Lazy.LazyDumpAbort"/>.</param>
    public async Task<(RuntimeCommand Dump, int Port, Task<string?> Finished)> StartLazyAsync(string containerId, string imageDirectory,
        string workDirectory, CancellationToken ct)
    {
        var port = Lazy.LoopbackPorts.Free();
        var ready = Path.Combine(workDirectory, "page-server-ready");
        var dump = Start(imageDirectory, workDirectory,
        [
            // runc hands its status fd (3, opened on a file here) to CRIU, which writes to it once the page server listens.
            "sh", "-c", "exec 3>\"$1\"; shift; exec \"$@\"", "sh", ready,
            "runc", "--root", options.RuncRoot, "checkpoint", "--image-path", imageDirectory, "--work-path", workDirectory,
            "--lazy-pages", "--page-server", $"127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "--status-fd", "3", containerId,
        ]);
        var finished = FinishAsync(dump, containerId, workDirectory);
        // Bounded: 60 s of 5 ms tries.
        for (var i = 0; ; i++)
        {
            if (File.Exists(ready) && new FileInfo(ready).Length > 0) return (dump, port, finished);
            if (finished.IsCompleted)
            {
                throw FederationException.FailedPrecondition($"runc checkpoint --lazy-pages failed: {await finished ?? "it ended before its page server listened"}");
            }
            if (i >= 12000 || ct.IsCancellationRequested)
            {
                dump.Kill();
                throw FederationException.Unavailable("runc checkpoint --lazy-pages: its page server did not listen within 60 s");
            }
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private RuntimeCommand Start(string imageDirectory, string workDirectory, IEnumerable<string> command)
    {
        if (!Available) throw FederationException.FailedPrecondition(
            "runc checkpoint needs the runtime's processes: run the Engine in the runtime's process namespace");
        Directory.CreateDirectory(imageDirectory);
        Directory.CreateDirectory(workDirectory);
        return runtime.StartInRuntime("runc checkpoint", command);
    }

    private async Task<string?> FinishAsync(RuntimeCommand dump, string containerId, string workDirectory)
    {
        var (code, output) = await dump.Exited;
        if (code == 0) return null;
        var criu = CriuLog.LastError(workDirectory, "dump.log");
        LogFailed(logger, containerId, code, output);
        return $"runc checkpoint exited {code}: {ErrorMappingInterceptor.OneLine(output.Length > 0 ? output : "killed")}" + (criu is null ? "" : $" (criu: {criu})");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "runc checkpoint of {Container} exited {Code}: {Message}")]
    private static partial void LogFailed(ILogger logger, string container, int code, string message);
}
