using System.Diagnostics;
using System.Globalization;
using Federation.Common;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// CRIU locks the network of the app it dumps (an iptables chain named CRIU that drops every packet, in the
/// app's network namespace) and lifts the lock when the dump ends. A CRIU that dies mid-dump leaves the lock:
/// the app runs and answers nobody. This sees and lifts it with the runtime's own iptables tools (the ones
/// CRIU ran), entered into the runtime's mount namespace and the app's network namespace, as CRIU lifts it.
/// </summary>
public sealed partial class CriuNetworkLock(RuntimeProcesses runtime, ILogger<CriuNetworkLock> logger)
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(10);
    private static readonly string[] Families = ["iptables", "ip6tables"];

    // What CRIU itself restores to unlock (criu/net.c), applied without flushing anything else.
    private const string Unlock = "*filter\n:CRIU - [0:0]\n-D INPUT -j CRIU\n-D OUTPUT -j CRIU\n-X CRIU\nCOMMIT\n";

    /// <summary>Whether CRIU's lock is on the network of the process <paramref name="pid"/> (false when the Engine cannot see it).</summary>
    public async Task<bool> IsLockedAsync(long pid, CancellationToken ct) => (await LockedFamiliesAsync(pid, ct)).Count > 0;

    /// <summary>Lifts CRIU's lock from the app's network, if it is there.</summary>
    /// <returns>Whether there was one.</returns>
    public async Task<bool> LiftAsync(string app, long pid, CancellationToken ct)
    {
        var locked = await LockedFamiliesAsync(pid, ct);
        foreach (var family in locked)
        {
            var (code, output) = await RunAsync(pid, [$"{family}-restore", "-w", "--noflush"], Unlock, ct);
            if (code != 0)
                throw FederationException.FailedPrecondition(
                    $"cannot lift the network lock a dump left on app '{app}' ({family}-restore exited {code}): {ErrorMappingInterceptor.OneLine(output)}");
            LogLifted(logger, app, family);
        }
        return locked.Count > 0;
    }

    /// <summary>
    /// Lifts the restore lock of a workload of several (<see cref="PodCriuConfig"/>) from the network namespace of the process
    /// <paramref name="pid"/>: every jump to its chain, then the chain. Nothing to do when it is not there.
    /// </summary>
    public async Task LiftPodLockAsync(string app, long pid, CancellationToken ct)
    {
        foreach (var family in Families)
        {
            if ((await RunAsync(pid, [family, "-w", "-n", "-L", PodCriuConfig.Chain], null, ct)).Code != 0) continue;
            // The action script runs once per restored container: more than one jump may lead to the chain.
            for (var jump = 0; jump < 16 && (await RunAsync(pid, [family, "-w", "-D", "INPUT", "-j", PodCriuConfig.Chain], null, ct)).Code == 0; jump++) { }
            await RunAsync(pid, [family, "-w", "-F", PodCriuConfig.Chain], null, ct);
            var (code, output) = await RunAsync(pid, [family, "-w", "-X", PodCriuConfig.Chain], null, ct);
            if (code != 0)
                throw FederationException.FailedPrecondition(
                    $"cannot lift the restore lock of app '{app}' ({family} exited {code}): {ErrorMappingInterceptor.OneLine(output)}");
            LogPodLockLifted(logger, app, family);
        }
    }

    private async Task<List<string>> LockedFamiliesAsync(long pid, CancellationToken ct)
    {
        var locked = new List<string>();
        if (pid <= 0 || runtime.Dockerd() is null) return locked;
        foreach (var family in Families)
        {
            // A family without a filter table in the namespace (or without tools) fails here: nothing locked there.
            var (code, output) = await RunAsync(pid, [$"{family}-save", "-t", "filter"], null, ct);
            if (code == 0 && output.Split('\n').Any(l => l.StartsWith(":CRIU ", StringComparison.Ordinal))) locked.Add(family);
        }
        return locked;
    }

    private async Task<(int Code, string Output)> RunAsync(long pid, IReadOnlyList<string> command, string? input, CancellationToken ct)
    {
        var dockerd = runtime.Dockerd() ?? throw FederationException.FailedPrecondition(
            "the app's network is out of reach: run the Engine in the runtime's process namespace");
        List<string> args =
        [
            "--target", dockerd.ToString(CultureInfo.InvariantCulture), "--mount",
            $"--net=/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/net", "--", .. command,
        ];
        var start = new ProcessStartInfo("nsenter", args) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw FederationException.Unavailable("cannot start nsenter");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(CommandLimit);
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            if (input is not null) await process.StandardInput.WriteAsync(input.AsMemory(), limit.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            ct.ThrowIfCancellationRequested();
            throw FederationException.Unavailable($"{command[0]} in the app's network namespace did not finish within {CommandLimit.TotalSeconds:F0} s");
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "app {App}: lifted the restore lock ({Family}) of its containers' network")]
    private static partial void LogPodLockLifted(ILogger logger, string app, string family);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: lifted the network lock ({Family}) a dump that never ended left")]
    private static partial void LogLifted(ILogger logger, string app, string family);
}
