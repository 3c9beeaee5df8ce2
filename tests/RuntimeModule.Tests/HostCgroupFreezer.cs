namespace Federation.RuntimeModule.Tests;

/// <summary>
/// The freezer of a nested app container, seen from the host: the host's process table holds every nested
/// process, and the runtimes share the host's cgroup hierarchy (cgroup v1 freezer, or cgroup v2
/// cgroup.freeze). Freezes the app behind both dockerds' backs, the way a dump whose CRIU died leaves it,
/// and sees CRIU freeze it.
/// </summary>
public sealed class HostCgroupFreezer
{
    private const string Mount = "/sys/fs/cgroup";
    private readonly string freezeFile;
    private readonly string stateFile;
    private readonly string frozen;
    private readonly string freeze;

    private HostCgroupFreezer(int hostPid, string freezeFile, string stateFile, string frozen, string freeze)
    {
        HostPid = hostPid;
        (this.freezeFile, this.stateFile, this.frozen, this.freeze) = (freezeFile, stateFile, frozen, freeze);
    }

    /// <summary>The host's pid of the container's first process.</summary>
    public int HostPid { get; }

    /// <summary>The freezer of the container's cgroup (found through one of its processes).</summary>
    public static HostCgroupFreezer Of(string containerId)
    {
        var (pid, text) = ProcessOf(containerId);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':', 3)).Where(p => p.Length == 3).ToList();
        if (lines.FirstOrDefault(p => p[1].Split(',').Contains("freezer")) is { } v1)
        {
            var file = Path.Join(Mount, "freezer", v1[2], "freezer.state");
            return new HostCgroupFreezer(pid, file, file, "FROZEN", "FROZEN");
        }
        var v2 = Path.Join(Mount, lines.First(p => p[0] == "0")[2]);
        return new HostCgroupFreezer(pid, Path.Join(v2, "cgroup.freeze"), Path.Join(v2, "cgroup.events"), "frozen 1", "1");
    }

    /// <summary>The kernel reports the cgroup frozen (false once it is gone).</summary>
    public bool IsFrozen
    {
        get
        {
            try
            {
                return File.ReadAllText(stateFile).Contains(frozen, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>Freezes the cgroup and waits (bounded) until the kernel reports it frozen.</summary>
    public async Task FreezeAsync()
    {
        await File.WriteAllTextAsync(freezeFile, freeze);
        Assert.That(await WaitFrozenAsync(TimeSpan.FromSeconds(10)), Is.True, $"{stateFile} reports '{frozen}'");
    }

    /// <summary>Waits until the cgroup is frozen (by anyone); false when it was not within <paramref name="limit"/>.</summary>
    public async Task<bool> WaitFrozenAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!IsFrozen)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(1);
        }
        return true;
    }

    /// <summary>The lowest host pid in the container's cgroup (its first process) and its /proc/&lt;pid&gt;/cgroup.</summary>
    private static (int Pid, string Cgroup) ProcessOf(string containerId)
    {
        var pids = Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(p => p > 0).Order();
        foreach (var pid in pids)
        {
            try
            {
                var text = File.ReadAllText($"/proc/{pid}/cgroup");
                if (text.Contains(containerId, StringComparison.Ordinal)) return (pid, text);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        throw new InvalidOperationException($"no process of container {containerId} on this host");
    }
}
