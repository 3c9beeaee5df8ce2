using System.Globalization;
using Federation.Common;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Reads and lifts the cgroup freezer of an app's container behind Docker's back: a dump frozen by CRIU that
/// never finished (its CRIU killed) leaves the app frozen while Docker still says "running". The container's
/// freezer cgroups come from runc's state (the runtime's runc root) or, failing that, the container process's
/// /proc/&lt;pid&gt;/cgroup, both read through the runtime's mount namespace (<see cref="RuntimeProcesses"/>).
/// </summary>
public sealed partial class ContainerFreezer(RuntimeProcesses runtime, RuntimeModuleOptions options, ILogger<ContainerFreezer> logger)
{
    private static readonly TimeSpan ThawLimit = TimeSpan.FromSeconds(5);

    /// <summary>True when the container's processes are frozen (or freezing), false when not, null when the Engine cannot see its cgroups.</summary>
    public async Task<bool?> IsFrozenAsync(string containerId, long pid, CancellationToken ct)
    {
        var cgroups = await FindAsync(containerId, pid, ct);
        if (cgroups.Count == 0) return null;
        foreach (var cgroup in cgroups)
        {
            if (await IsFrozenAsync(cgroup, ct)) return true;
        }
        return false;
    }

    /// <summary>Thaws every frozen freezer cgroup of the container and waits (bounded) until its processes run.</summary>
    /// <returns>Whether anything was frozen.</returns>
    public async Task<bool> ThawAsync(string app, string containerId, long pid, CancellationToken ct)
    {
        var thawed = false;
        foreach (var cgroup in await FindAsync(containerId, pid, ct))
        {
            if (!await IsFrozenAsync(cgroup, ct)) continue;
            await File.WriteAllTextAsync(cgroup.Unified ? Path.Join(cgroup.Directory, "cgroup.freeze") : Path.Join(cgroup.Directory, "freezer.state"),
                cgroup.Unified ? "0" : "THAWED", ct);
            await WaitThawedAsync(app, cgroup, ct);
            LogThawed(logger, app, cgroup.Directory);
            thawed = true;
        }
        return thawed;
    }

    /// <summary>
    /// Freezes the container's processes through its freezer cgroups and waits (bounded) until the kernel reports them
    /// frozen: a workload of several is frozen whole before CRIU dumps its containers one by one (CRIU finds the cgroup
    /// frozen, dumps it so and leaves it frozen).
    /// </summary>
    public async Task FreezeAsync(string app, string containerId, CancellationToken ct)
    {
        var cgroups = await RequestFreezeAsync(app, containerId, ct);
        var deadline = DateTime.UtcNow + ThawLimit;
        foreach (var cgroup in cgroups)
        {
            while (!await IsFullyFrozenAsync(cgroup, ct))
            {
                if (DateTime.UtcNow > deadline)
                    throw FederationException.FailedPrecondition($"app '{app}' did not freeze within {ThawLimit.TotalSeconds:F0} s");
                await Task.Delay(5, ct);
            }
        }
    }

    /// <summary>
    /// Asks the kernel to freeze the container's processes without waiting for it: tasks a tracer holds (CRIU) freeze only
    /// once it lets them go, and then stay frozen. Returns the cgroups asked.
    /// </summary>
    public async Task<IReadOnlyList<FreezerCgroup>> RequestFreezeAsync(string app, string containerId, CancellationToken ct)
    {
        var found = await FindAsync(containerId, 0, ct);
        // On a hybrid host the v1 freezer is the one that freezes (and the one CRIU uses); v2's cgroup.freeze only on a v2-only host.
        var cgroups = found.Any(c => !c.Unified) ? found.Where(c => !c.Unified).ToList() : found;
        if (cgroups.Count == 0)
            throw FederationException.FailedPrecondition($"the cgroups of app '{app}' are out of the Engine's sight: it cannot freeze its containers together");
        foreach (var cgroup in cgroups)
        {
            await File.WriteAllTextAsync(cgroup.Unified ? Path.Join(cgroup.Directory, "cgroup.freeze") : Path.Join(cgroup.Directory, "freezer.state"),
                cgroup.Unified ? "1" : "FROZEN", ct);
        }
        return cgroups;
    }

    private static async Task<bool> IsFullyFrozenAsync(FreezerCgroup cgroup, CancellationToken ct)
    {
        if (!cgroup.Unified) return (await ReadAsync(Path.Join(cgroup.Directory, "freezer.state"), ct)) == "FROZEN";
        var events = await ReadAsync(Path.Join(cgroup.Directory, "cgroup.events"), ct) ?? "";
        return events.Split('\n').Any(l => l.Trim() == "frozen 1");
    }

    private async Task WaitThawedAsync(string app, FreezerCgroup cgroup, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ThawLimit;
        while (await IsFrozenAsync(cgroup, ct))
        {
            if (DateTime.UtcNow > deadline)
                throw FederationException.FailedPrecondition($"app '{app}' stays frozen after its cgroup was thawed (a parent cgroup may freeze it)");
            await Task.Delay(10, ct);
        }
    }

    private static async Task<bool> IsFrozenAsync(FreezerCgroup cgroup, CancellationToken ct)
    {
        if (!cgroup.Unified) return (await ReadAsync(Path.Join(cgroup.Directory, "freezer.state"), ct)) is "FROZEN" or "FREEZING";
        // v2: cgroup.freeze is what was asked (1: freeze), cgroup.events "frozen 1" what the kernel finished; either stops the app.
        if ((await ReadAsync(Path.Join(cgroup.Directory, "cgroup.freeze"), ct)) == "1") return true;
        var events = await ReadAsync(Path.Join(cgroup.Directory, "cgroup.events"), ct) ?? "";
        return events.Split('\n').Any(l => l.Trim() == "frozen 1");
    }

    /// <summary>The container's freezer cgroups, mapped into the Engine's file system; empty when none can be seen.</summary>
    private async Task<IReadOnlyList<FreezerCgroup>> FindAsync(string containerId, long pid, CancellationToken ct)
    {
        // Only an Engine in the runtime's process namespace sees the runtime's files and the container's process.
        if (runtime.InRuntime("/sys/fs/cgroup") is not { } mount) return [];
        IReadOnlyList<FreezerCgroup> found = [];
        if (await ReadAsync(runtime.InRuntime(Path.Join(options.RuncRoot, containerId, "state.json"))!, ct) is { } json)
        {
            try
            {
                found = FreezerCgroup.FromRuncState(json);
            }
            catch (System.Text.Json.JsonException)
            {
                // Not runc's state as this Engine knows it: fall back to the process's own view.
            }
        }
        if (found.Count == 0 && pid > 0 && await ReadAsync($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cgroup", ct) is { } procCgroup)
            found = FreezerCgroup.FromProcCgroup(procCgroup, "/sys/fs/cgroup", hybrid: Directory.Exists(Path.Join(mount, "unified")));
        var visible = new List<FreezerCgroup>();
        foreach (var cgroup in found)
        {
            if (runtime.InRuntime(cgroup.Directory) is { } directory && Directory.Exists(directory)) visible.Add(cgroup with { Directory = directory });
        }
        return visible;
    }

    private static async Task<string?> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            return (await File.ReadAllTextAsync(path, ct)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App} was frozen behind Docker's back; thawed its cgroup {Cgroup}")]
    private static partial void LogThawed(ILogger logger, string app, string cgroup);
}
