using System.Runtime.InteropServices;

namespace Federation.RuntimeModule.Engine;

/// <summary>Copies a directory tree by hard links where source and target share a file system.</summary>
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

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldPath, string newPath);
}
