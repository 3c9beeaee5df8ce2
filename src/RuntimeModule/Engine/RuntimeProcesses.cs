using System.Diagnostics;
using System.Globalization;
using Federation.Common;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// The runtime's processes as the Engine sees them: it shares the runtime's process namespace (a pod's
/// shareProcessNamespace), so it finds dockerd in /proc and, through <c>/proc/&lt;dockerd&gt;/root</c>, the
/// runtime's own view of its files (runc's state, the cgroup mount).
/// </summary>
public sealed class RuntimeProcesses
{
    private int dockerdPid;

    /// <summary>dockerd's process id, or null when it is not visible (an Engine outside the runtime's process namespace).</summary>
    public int? Dockerd()
    {
        var known = Volatile.Read(ref dockerdPid);
        if (known > 0 && ReadComm(known) == "dockerd") return known;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (ReadComm(pid) != "dockerd") continue;
            Volatile.Write(ref dockerdPid, pid);
            return pid;
        }
        return null;
    }

    /// <summary>
    /// Where the Engine reaches a path of the runtime's mount namespace (an absolute path as dockerd and runc
    /// see it), or null when dockerd is not visible.
    /// </summary>
    public string? InRuntime(string path) =>
        Dockerd() is { } pid ? $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/root/{path.TrimStart('/')}" : null;

    /// <summary>
    /// Starts <paramref name="command"/> in the runtime's mount, cgroup, UTS and IPC namespaces (nsenter through dockerd's
    /// process), where runc and CRIU see what dockerd sees; its network namespace is the Engine's own, which the pod shares.
    /// </summary>
    /// <param name="what">What needs it, for the refusal when dockerd is out of sight ("runc checkpoint").</param>
    public RuntimeCommand StartInRuntime(string what, IEnumerable<string> command)
    {
        var pid = Dockerd() ?? throw FederationException.FailedPrecondition(
            $"{what} needs the runtime's processes: run the Engine in the runtime's process namespace");
        List<string> args = ["--target", pid.ToString(CultureInfo.InvariantCulture), "--mount", "--cgroup", "--uts", "--ipc", "--", .. command];
        var start = new ProcessStartInfo("nsenter", args) { RedirectStandardError = true, RedirectStandardOutput = true };
        return new RuntimeCommand(Process.Start(start) ?? throw FederationException.Unavailable("cannot start nsenter"));
    }

    /// <summary>The process tracing <paramref name="pid"/> (ptrace: CRIU holds what it dumps so), or null when none or not visible.</summary>
    public static int? TracerOf(long pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("TracerPid:", StringComparison.Ordinal));
            return line is not null && int.TryParse(line["TracerPid:".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var tracer) && tracer > 0
                ? tracer
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadComm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
