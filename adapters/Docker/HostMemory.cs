namespace Federation.Adapters.Docker;

/// <summary>Memory of the machine this process runs on, for a Docker host reached over its local socket.</summary>
public static class HostMemory
{
    /// <summary>MemAvailable of /proc/meminfo (what can be given to new processes without swapping); null when it cannot be read.</summary>
    public static ulong? AvailableBytes(string meminfo = "/proc/meminfo")
    {
        try
        {
            foreach (var line in File.ReadLines(meminfo))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 2 && ulong.TryParse(parts[1], out var kib) ? kib * 1024 : null;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
