using System.Diagnostics;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// Sees CRIU at work from the host, whose process table holds every nested runtime's processes: a test hook into a dump,
/// always through the app being dumped (its tracer, its network namespace), since other runtimes of the host dump too.
/// </summary>
public static class CriuProcess
{
    /// <summary>
    /// Whether the host process <paramref name="pid"/> is a live CRIU. Tests ask about the CRIU they found through the app
    /// it dumps (<see cref="WaitForTracerOfAsync"/>), never about "any CRIU": other runtimes on the host dump too.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        // "<pid> (<comm>) <state> ...": a zombie (Z) is dead already.
        var name = stat.IndexOf(" (criu) ", StringComparison.Ordinal);
        return name > 0 && stat[name + 8] != 'Z';
    }

    /// <summary>
    /// Waits until a process is traced (CRIU seizes what it dumps with ptrace) and returns its tracer's host pid: the
    /// CRIU that dumps it, past its freeze; null when nothing traced it within <paramref name="limit"/>.
    /// </summary>
    public static async Task<int?> WaitForTracerOfAsync(int hostPid, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        do
        {
            var tracer = File.ReadLines($"/proc/{hostPid}/status").FirstOrDefault(l => l.StartsWith("TracerPid:", StringComparison.Ordinal));
            if (tracer is not null && int.Parse(tracer["TracerPid:".Length..].Trim()) is > 0 and var pid) return pid;
            await Task.Delay(1);
        }
        while (DateTime.UtcNow < deadline);
        return null;
    }

    /// <summary>
    /// Waits until CRIU's network lock (an iptables chain named CRIU, which CRIU adds right after it seized what it
    /// dumps) is on the network namespace of <paramref name="hostPid"/>; false when it was not within <paramref name="limit"/>.
    /// </summary>
    public static async Task<bool> WaitForNetworkLockAsync(int hostPid, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        do
        {
            foreach (var iptables in new[] { "iptables-legacy", "iptables" })
            {
                using var probe = Process.Start(new ProcessStartInfo("nsenter", [$"--net=/proc/{hostPid}/ns/net", "--", iptables, "-w", "-S", "CRIU"])
                    { RedirectStandardOutput = true, RedirectStandardError = true })!;
                await probe.WaitForExitAsync();
                if (probe.ExitCode == 0) return true;
            }
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    /// <summary>Sends a signal ("STOP", "CONT", "KILL") to host processes; one already gone is fine.</summary>
    public static async Task SignalAllAsync(IEnumerable<int> pids, string signal)
    {
        var list = pids.Select(p => p.ToString()).ToList();
        if (list.Count == 0) return;
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", .. list]) { RedirectStandardError = true })!;
        await kill.WaitForExitAsync();
    }
}
