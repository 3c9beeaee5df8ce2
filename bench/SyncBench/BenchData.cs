using System.Text;

namespace Federation.SyncBench;

/// <summary>The files the benchmark moves.</summary>
internal static class BenchData
{
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
}
