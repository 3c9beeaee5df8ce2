namespace Federation.RuntimeModule.Engine;

/// <summary>Finds the line that says why CRIU failed, from the dump log runc leaves in the image directory.</summary>
public static class CriuLog
{
    public static string? LastError(string directory, string file = "dump.log")
    {
        var log = Path.Combine(directory, file);
        if (!File.Exists(log)) return null;
        try
        {
            return File.ReadLines(log).LastOrDefault(l => l.Contains("Error", StringComparison.Ordinal))?.Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
