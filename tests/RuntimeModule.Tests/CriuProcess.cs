using System.Diagnostics;

namespace Federation.RuntimeModule.Tests;

/// <summary>Sees CRIU at work from the host, whose process table holds every nested runtime's processes: a test hook into a dump.</summary>
public static class CriuProcess
{
    /// <summary>Waits until a process named "criu" runs; false when none did within <paramref name="limit"/>.</summary>
    public static async Task<bool> WaitForAsync(TimeSpan limit) => await FindAsync(limit) is not null;

    /// <summary>Waits until a process named "criu" runs and returns its host pid; null when none did within <paramref name="limit"/>.</summary>
    public static async Task<int?> FindAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        do
        {
            if (Running().FirstOrDefault() is > 0 and var pid) return pid;
            await Task.Delay(5);
        }
        while (DateTime.UtcNow < deadline);
        return null;
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

    private static IEnumerable<int> Running()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // "<pid> (<comm>) <state> ...": a zombie (Z) is dead already.
            var name = stat.IndexOf(" (criu) ", StringComparison.Ordinal);
            if (name > 0 && stat[name + 8] != 'Z') yield return pid;
        }
    }
}
