namespace Federation.Testing;

/// <summary>
/// Files shaped like CRIU page images, for the sync tests and the sync benchmark alike (linked into
/// both): seeded random content, and rounds that rewrite a fraction of the 4 KiB pages.
/// </summary>
internal static class PageFiles
{
    public static void WriteRandom(string path, long size, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var buffer = new byte[1 << 20];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < size; written += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
        }
    }

    /// <summary>Overwrites <paramref name="fraction"/> of the 4 KiB pages of a file with new random bytes; returns how many.</summary>
    public static int DirtyPages(string path, double fraction, int seed)
    {
        var random = new Random(seed);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var pages = (int)(RandomAccess.GetLength(handle) / 4096);
        var chosen = new HashSet<int>();
        var count = Math.Max(1, (int)(pages * fraction));
        while (chosen.Count < count) chosen.Add(random.Next(pages));
        var page = new byte[4096];
        foreach (var index in chosen)
        {
            random.NextBytes(page);
            RandomAccess.Write(handle, page, (long)index * 4096);
        }
        return count;
    }
}
