using System.Globalization;

namespace Federation.Common;

/// <summary>The user this process runs as, so that a container it starts can run as the same user (and own what it writes in its state directory).</summary>
public static class HostUser
{
    /// <summary>"uid:gid" (effective ids, from /proc/self/status), or null where there is no such file.</summary>
    public static string? UidGid()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        string? uid = null, gid = null;
        foreach (var line in File.ReadLines(status))
        {
            // "Uid:\treal\teffective\tsaved\tfs"
            if (line.StartsWith("Uid:", StringComparison.Ordinal)) uid = Effective(line);
            else if (line.StartsWith("Gid:", StringComparison.Ordinal)) gid = Effective(line);
        }
        return uid is null || gid is null ? null : $"{uid}:{gid}";
    }

    private static string? Effective(string line)
    {
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 2 && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out _) ? fields[2] : null;
    }
}
