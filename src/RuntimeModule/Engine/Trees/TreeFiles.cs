using System.Text.Json;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>Reads and writes the small JSON files of the tree sync, each replaced whole (write beside, rename).</summary>
public static class TreeFiles
{
    public static void Write<T>(string path, T value)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(value));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The file's value, or null when it does not exist or cannot be read (a torn or foreign file counts as none).</summary>
    public static T? Read<T>(string path) where T : class
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllBytes(path)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
