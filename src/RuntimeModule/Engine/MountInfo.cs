namespace Federation.RuntimeModule.Engine;

/// <summary>Reads /proc/self/mountinfo to tell which file system holds a path.</summary>
public static class MountInfo
{
    public static string? FileSystemOf(string path)
    {
        const string mountInfo = "/proc/self/mountinfo";
        if (!File.Exists(mountInfo)) return null;
        var full = Path.GetFullPath(path);
        string? best = null, bestType = null;
        foreach (var line in File.ReadLines(mountInfo))
        {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            var parts = line.Split(' ');
            var dash = Array.IndexOf(parts, "-");
            if (parts.Length < 5 || dash < 0 || dash + 1 >= parts.Length) continue;
            var mountPoint = parts[4].Replace("\\040", " ");
            var inside = full == mountPoint || full.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (inside && (best is null || mountPoint.Length >= best.Length))
            {
                best = mountPoint;
                bestType = parts[dash + 1];
            }
        }
        return bestType;
    }
}
