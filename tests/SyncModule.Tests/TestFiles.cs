using System.Security.Cryptography;

namespace Federation.SyncModule.Tests;

/// <summary>Makes test files and compares directory trees byte for byte (SHA-256) and by mode.</summary>
public static class TestFiles
{
    public static void WriteCompressible(string path, long size)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var line = "federation sync compressible line with a counter: "u8.ToArray();
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        long written = 0;
        for (var i = 0; written < size; i++)
        {
            var bytes = line.Concat(System.Text.Encoding.ASCII.GetBytes($"{i:D10}\n")).ToArray();
            var n = (int)Math.Min(bytes.Length, size - written);
            stream.Write(bytes, 0, n);
            written += n;
        }
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>Asserts both trees hold the same entries with the same content, modes and link targets.</summary>
    public static void AssertSameTree(string expected, string actual)
    {
        var left = Describe(expected);
        var right = Describe(actual);
        Assert.That(right, Is.EquivalentTo(left));
    }

    private static List<string> Describe(string root)
    {
        var result = new List<string>();
        foreach (var info in new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, info.FullName);
            if (relative.Split('/').Any(s => s.StartsWith(".fedsync", StringComparison.Ordinal))) continue;
            var mode = OperatingSystem.IsWindows() ? 0 : (int)info.UnixFileMode;
            if (info.LinkTarget is { } link) result.Add($"L {relative} -> {link}");
            else if (info is DirectoryInfo) result.Add($"D {relative} {mode:x}");
            else result.Add($"F {relative} {mode:x} {Sha256(info.FullName)}");
        }
        return result;
    }
}
