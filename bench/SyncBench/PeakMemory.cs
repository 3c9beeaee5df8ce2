namespace Federation.SyncBench;

/// <summary>Peak resident set size (VmHWM) of this process, from /proc/self/status.</summary>
internal static class PeakMemory
{
    public static long KiloBytes() => Field("VmHWM:");

    /// <summary>Resident pages mapped from files (the runtime's and framework's code), shared with other processes.</summary>
    public static long FileBackedKiloBytes() => Field("RssFile:");

    private static long Field(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(name, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return -1;
    }
}
