namespace Federation.SyncBench;

/// <summary>Peak resident set size (VmHWM) of this process, from /proc/self/status.</summary>
internal static class PeakMemory
{
    public static long KiloBytes() => Field("VmHWM:");

    /// <summary>Resident pages mapped from files (the runtime's and framework's code), shared with other processes.</summary>
    public static long FileBackedKiloBytes() => Field("RssFile:");

    /// <summary>Resident anonymous pages (heaps, JIT-compiled code, buffers): the process's own memory.</summary>
    public static long AnonymousKiloBytes() => Field("RssAnon:");

    private static long Field(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(name, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return -1;
    }
}
