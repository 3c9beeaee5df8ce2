using Federation.SyncModule.Hosting;
using Federation.SyncModule.Receiver;

namespace Federation.SyncBench;

/// <summary>
/// `SyncBench receiver ROOT`: a receiver on 127.0.0.1 (free port). Prints "ENDPOINT uri", then answers
/// stdin commands: "token TARGET" -> "TOKEN t", "rss" -> "RSS kB" (VmHWM), "rssfile" -> "RSSFILE kB", "gc" -> "GC summary", "quit".
/// </summary>
internal static class ReceiverMode
{
    public static async Task<int> RunAsync(string root)
    {
        await using var host = await SyncReceiverHost.StartAsync(new SyncReceiverHostOptions
        {
            Receiver = new SyncReceiverOptions { RootDirectory = root },
        }, CancellationToken.None);
        Console.WriteLine($"ENDPOINT {host.Endpoint}");
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ', 2);
            switch (parts[0])
            {
                case "token": Console.WriteLine($"TOKEN {host.Tokens.IssueToken(parts[1])}"); break;
                case "rss": Console.WriteLine($"RSS {PeakMemory.KiloBytes()}"); break;
                case "rssfile": Console.WriteLine($"RSSFILE {PeakMemory.FileBackedKiloBytes()}"); break;
                case "gc": Console.WriteLine($"GC {GcSummary()}"); break;
                case "quit": return 0;
            }
        }
        return 0;
    }

    private static string GcSummary()
    {
        var info = GC.GetGCMemoryInfo();
        return $"heap {info.HeapSizeBytes >> 10} kB, committed {info.TotalCommittedBytes >> 10} kB, allocated {GC.GetTotalAllocatedBytes() >> 20} MiB, " +
            $"gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, RssAnon {PeakMemory.AnonymousKiloBytes()} kB now";
    }
}
