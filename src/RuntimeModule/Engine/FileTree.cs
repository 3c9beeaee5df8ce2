using System.Runtime.InteropServices;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Files and directory trees: a file copied by a hard link where source and target share a file system,
/// a tree deleted as best it can.
/// </summary>
public static partial class FileTree
{
    /// <summary>A hard link of <paramref name="file"/> at <paramref name="to"/>, or a copy where they do not share a file system.</summary>
    public static void LinkOrCopyFile(string file, string to)
    {
        if (link(file, to) != 0) File.Copy(file, to, overwrite: true);
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
