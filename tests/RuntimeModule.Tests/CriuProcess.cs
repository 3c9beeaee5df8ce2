namespace Federation.RuntimeModule.Tests;

/// <summary>Sees CRIU at work from the host, whose process table holds every nested runtime's processes: a test hook into a dump.</summary>
public static class CriuProcess
{
    /// <summary>Waits until a process named "criu" runs; false when none did within <paramref name="limit"/>.</summary>
    public static async Task<bool> WaitForAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (Running()) return true;
            await Task.Delay(5);
        }
        return false;
    }

    private static bool Running()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == "criu") return true;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return false;
    }
}
