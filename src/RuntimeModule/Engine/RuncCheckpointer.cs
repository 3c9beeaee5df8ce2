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

    [LoggerMessage(Level = LogLevel.Warning, Message = "runc checkpoint of {Container} exited {Code}: {Message}")]
    private static partial void LogFailed(ILogger logger, string container, int code, string message);
}
