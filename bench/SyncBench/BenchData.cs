using System.Text;

namespace Federation.SyncBench;

/// <summary>The files the benchmark moves.</summary>
internal static class BenchData
{
    public static void Random(string path, long size, int seed)
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

    /// <summary>Heap-like text records with counters and a few random fields (zstd -1 shrinks it about 5 to 10 times).</summary>
    public static void Compressible(string path, long size, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var line = new StringBuilder();
        long written = 0;
        for (var i = 0; written < size; i++)
        {
            line.Clear().Append("{\"session\":").Append(i).Append(",\"user\":\"user-").Append(random.Next(10_000))
                .Append("\",\"cart\":[").Append(random.Next(100)).Append(',').Append(random.Next(100)).Append("],\"state\":\"active\"}\n");
            var bytes = Encoding.ASCII.GetBytes(line.ToString());
            var n = (int)Math.Min(bytes.Length, size - written);
            stream.Write(bytes, 0, n);
            written += n;
        }
    }

    /// <summary>Overwrites a fraction of the 4 KiB pages with new random bytes; returns how many pages changed.</summary>
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
