using System.Runtime.InteropServices;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Directory trees: copies one by hard links where source and target share a file system, and
/// deletes one as best it can.
/// </summary>
public static partial class FileTree
{
    public static void LinkOrCopy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            if (link(file, to) != 0) File.Copy(file, to, overwrite: true);
        }
    }

    /// <summary>Deletes the directory and everything in it if it exists; a failure to delete is ignored.</summary>
    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException) { }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldPath, string newPath);
}
