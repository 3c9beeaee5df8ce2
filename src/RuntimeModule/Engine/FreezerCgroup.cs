namespace Federation.RuntimeModule.Engine;

/// <summary>
/// A cgroup that can freeze a container's processes, as a path in the runtime's mount namespace: a cgroup v1
/// freezer directory (<c>freezer.state</c>: THAWED, FREEZING, FROZEN) or a cgroup v2 directory
/// (<c>cgroup.freeze</c>: 0 or 1). On a hybrid host a container has both, and either may freeze it.
/// </summary>
public sealed record FreezerCgroup(string Directory, bool Unified)
{
    /// <summary>The freezer cgroups runc recorded for a container (the <c>cgroup_paths</c> of its state.json).</summary>
    public static IReadOnlyList<FreezerCgroup> FromRuncState(string stateJson)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(stateJson);
        if (!doc.RootElement.TryGetProperty("cgroup_paths", out var paths) || paths.ValueKind != System.Text.Json.JsonValueKind.Object) return [];
        var found = new List<FreezerCgroup>();
        if (paths.TryGetProperty("freezer", out var v1) && v1.GetString() is { Length: > 0 } v1Path) found.Add(new FreezerCgroup(v1Path, Unified: false));
        if (paths.TryGetProperty("", out var v2) && v2.GetString() is { Length: > 0 } v2Path) found.Add(new FreezerCgroup(v2Path, Unified: true));
        return found;
    }

    /// <summary>
    /// The freezer cgroups a process's <c>/proc/&lt;pid&gt;/cgroup</c> names, under <paramref name="mount"/> (the cgroup
    /// mount, normally /sys/fs/cgroup; <paramref name="hybrid"/>: the v2 hierarchy is at its "unified" subdirectory).
    /// Paths outside the reader's cgroup namespace ("/..") cannot be placed and are left out.
    /// </summary>
    public static IReadOnlyList<FreezerCgroup> FromProcCgroup(string procCgroup, string mount, bool hybrid)
    {
        var found = new List<FreezerCgroup>();
        foreach (var line in procCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3 || !parts[2].StartsWith('/') || parts[2].StartsWith("/..", StringComparison.Ordinal)) continue;
            if (parts[1].Split(',').Contains("freezer"))
                found.Add(new FreezerCgroup(Path.Join(mount, "freezer", parts[2]), Unified: false));
            else if (parts[0] == "0" && parts[1].Length == 0)
                found.Add(new FreezerCgroup(Path.Join(mount, hybrid ? "unified" : "", parts[2]), Unified: true));
        }
        return found;
    }
}
