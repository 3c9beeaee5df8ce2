using System.Globalization;

namespace Federation.Adapters.Docker;

/// <summary>CPU load of the machine this process runs on, for a Docker host reached over its local socket.</summary>
public static class HostLoad
{
    /// <summary>The one-minute load average of /proc/loadavg over <paramref name="cpus"/>; null when it cannot be read.</summary>
    public static double? CpuUsed(uint cpus, string loadavg = "/proc/loadavg")
    {
        if (cpus == 0) return null;
        try
        {
            var first = File.ReadAllText(loadavg).Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) && load >= 0 ? load / cpus : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
