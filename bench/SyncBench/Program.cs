using System.Globalization;
using Federation.SyncBench;

// dotnet run -c Release --project bench/SyncBench [-- --size-mib 256 --delta-mib 128 --big-mib 1024]
// Child modes (started by the benchmark itself): receiver ROOT | sender ENDPOINT DIR TOKEN [WARMUP_DIR WARMUP_TOKEN]
switch (args.FirstOrDefault())
{
    case "receiver": return await ReceiverMode.RunAsync(args[1]);
    case "sender": return await SenderMode.RunAsync(args[1..]);
}

var size = Option("--size-mib", 256) << 20;
var deltaSize = Option("--delta-mib", 128) << 20;
var bigSize = Option("--big-mib", 1024) << 20;
var finalPercent = Option("--final-percent", 7);
var finalOnly = args.Contains("--final-only");
var rssOnly = args.Contains("--rss-only");
var work = Directory.CreateTempSubdirectory("fedsync-bench-").FullName;
const int Runs = 3;
try
{
    Console.WriteLine($"sync benchmark on loopback, {Environment.ProcessorCount} cores; sources in the page cache, destinations on {work}");
    Console.WriteLine("ours:  sender and receiver are two processes (gRPC over HTTP/2, h2c, defaults: 4 KiB chunks, 64 KiB blocks, LZ4 fast (SYNCBENCH_CODEC=zstd for zstd -1), 2 streams).");
    Console.WriteLine("       Both ends run inside long-lived Engines in a migration, so each sender process first moves a 64 MiB warm-up");
    Console.WriteLine("       directory; 'ours s' is the timed transfer measured inside the sender: hashing + manifest + chunks + complete.");
    Console.WriteLine("rsync: rsync -a --stats to rsync --daemon on 127.0.0.1; time = rsync client wall time; bytes = its 'Total bytes sent'.");
    Console.WriteLine($"throughput rows: best of {Runs} runs each, ours and rsync alternating, each into a fresh destination.");
    Console.WriteLine();
    var warmup = Path.Join(work, "src-warmup");
    PageFiles.WriteRandom(Path.Join(warmup, "a.img"), 48 << 20, 9);
    BenchData.Compressible(Path.Join(warmup, "b.img"), 16 << 20, 10);
    using var rsync = new RsyncDaemon(work);
    if (rssOnly)
    {
        PeakRss();
        return 0;
    }
    FinalRounds(rsync, warmup);
    if (finalOnly) return 0;
    var rows = new List<string[]>
    {
        new[] { "row", "ours s", "rsync s", "time ours/rsync", "ours MiB/s", "rsync MiB/s", "ours bytes", "rsync bytes", "bytes ours/rsync" },
    };

    var incompressible = Path.Join(work, "src-incompressible");
    PageFiles.WriteRandom(Path.Join(incompressible, "pages-1.img"), size, 1);
    var (oursIncompressible, rsyncIncompressible) = BestOf(rsync, warmup, incompressible, "incompressible");
    rows.Add(Row($"incompressible {size >> 20} MiB", size, oursIncompressible, rsyncIncompressible));
    var cold = Fresh(incompressible, "app/cold", warmup: null);

    var compressible = Path.Join(work, "src-compressible");
    BenchData.Compressible(Path.Join(compressible, "pages-1.img"), size, 2);
    var (oursCompressible, rsyncCompressible) = BestOf(rsync, warmup, compressible, "compressible");
    rows.Add(Row($"compressible {size >> 20} MiB", size, oursCompressible, rsyncCompressible));
    var rsyncZ = rsync.Send(compressible, "compressible-z", compress: true);

    var delta = Path.Join(work, "src-delta");
    var pages = Path.Join(delta, "pages-1.img");
    PageFiles.WriteRandom(pages, deltaSize, 3);
    OurTransfer secondRound;
    int changed;
    using (var receiver = new OurReceiverProcess(Path.Join(work, "ours-delta")))
    {
        OurTransfer.Run(receiver, delta, "app/round-1");
        rsync.Send(delta, "delta");
        changed = PageFiles.DirtyPages(pages, 0.01, 4);
        secondRound = OurTransfer.Run(receiver, delta, "app/round-2", warmup);
    }
    var rsyncSecond = rsync.Send(delta, "delta");
    rows.Add(Row($"delta {deltaSize >> 20} MiB, {changed} of {deltaSize / 4096} pages changed", deltaSize, secondRound, rsyncSecond));
    Print(rows);
    Console.WriteLine();
    Console.WriteLine($"cold sender (new process, no warm-up) on the incompressible row: {cold.Inside.TotalSeconds:F2} s inside, " +
        $"{cold.Wall.TotalSeconds:F2} s process wall time (runtime start and JIT included)");
    Console.WriteLine($"rsync -az on the compressible row: {rsyncZ.Elapsed.TotalSeconds:F2} s, {rsyncZ.BytesSent:N0} bytes sent");
    Console.WriteLine($"delta row, ours: {secondRound.SentBytes:N0} bytes of changed chunks, {secondRound.WireBytes:N0} on the wire with the manifest " +
        $"({100.0 * secondRound.WireBytes / deltaSize:F2}% of the file); rsync also received {rsyncSecond.BytesReceived:N0} bytes of block checksums");
    Console.WriteLine();

    foreach (var dir in Directory.GetDirectories(work, "ours-*")) Directory.Delete(dir, true);
    Directory.Delete(rsync.Root, true);
    PeakRss();
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

void PeakRss()
{
    var big = Path.Join(work, "src-big");
    PageFiles.WriteRandom(Path.Join(big, "pages-1.img"), bigSize, 5);
    using (var receiver = new OurReceiverProcess(Path.Join(work, "ours-big")))
    {
        var idle = receiver.PeakRssKiloBytes();
        var idleGc = receiver.GcSummary();
        var transfer = OurTransfer.Run(receiver, big, "app/big");
        var receiverRss = receiver.PeakRssKiloBytes();
        Console.WriteLine($"peak RSS moving {bigSize >> 20} MiB (VmHWM of each process from /proc/self/status, cold processes): " +
            $"sender {transfer.SenderRssKiloBytes / 1024.0:F1} MiB, receiver {receiverRss / 1024.0:F1} MiB " +
            $"({transfer.Inside.TotalSeconds:F2} s, {bigSize / transfer.Inside.TotalSeconds / (1 << 20):F0} MiB/s)");
        Console.WriteLine($"  of which file-backed (runtime and framework code, shared): sender {transfer.SenderFileKiloBytes / 1024.0:F1} MiB, " +
            $"receiver {receiver.FileBackedKiloBytes() / 1024.0:F1} MiB (RssFile now)");
        Console.WriteLine($"  receiver idle before the transfer: VmHWM {idle / 1024.0:F1} MiB; GC {idleGc}");
        Console.WriteLine($"  receiver after the transfer: GC {receiver.GcSummary()}");
    }
}

// The last pre-copy round of a migration (app downtime): round 1 moves the whole pages file, then each
// later round moves it again after finalPercent of its pages changed, into a sibling directory.
void FinalRounds(RsyncDaemon rsync, string warmup)
{
    var source = Path.Join(work, "src-final");
    var pages = Path.Join(source, "pages-1.img");
    PageFiles.WriteRandom(pages, deltaSize, 6);
    using var receiver = new OurReceiverProcess(Path.Join(work, "ours-final"));
    OurTransfer.Run(receiver, source, "app/final-0", warmup);
    var rounds = new List<(OurTransfer Ours, TimeSpan Rsync)>();
    rsync.Send(source, "final");
    for (var round = 1; round <= Runs; round++)
    {
        var changed = PageFiles.DirtyPages(pages, finalPercent / 100.0, 20 + round);
        var ours = OurTransfer.Run(receiver, source, $"app/final-{round}", warmup);
        var theirs = rsync.Send(source, "final");
        rounds.Add((ours, theirs.Elapsed));
        Console.WriteLine($"final round {round}: {deltaSize >> 20} MiB, {changed} pages changed ({finalPercent}%): ours {ours.Inside.TotalMilliseconds:F0} ms " +
            $"({ours.SentBytes:N0} bytes of chunks sent; phases {ours.Phases}), rsync {theirs.Elapsed.TotalMilliseconds:F0} ms");
    }
    var best = rounds.MinBy(r => r.Ours.Inside);
    Console.WriteLine($"final round, best of {Runs}: ours {best.Ours.Inside.TotalMilliseconds:F0} ms, rsync {rounds.Min(r => r.Rsync).TotalMilliseconds:F0} ms");
    Console.WriteLine();
}

// Best of Runs, ours and rsync alternating, so both see the same machine (shared with other work).
(OurTransfer Ours, (TimeSpan Elapsed, long BytesSent, long BytesReceived) Rsync) BestOf(RsyncDaemon rsync, string warmup, string source, string name)
{
    OurTransfer? ours = null;
    (TimeSpan Elapsed, long BytesSent, long BytesReceived)? theirs = null;
    for (var run = 1; run <= Runs; run++)
    {
        var o = Fresh(source, $"app/{name}-{run}", warmup);
        var r = rsync.Send(source, $"{name}-{run}");
        if (ours is null || o.Inside < ours.Inside) ours = o;
        if (theirs is null || r.Elapsed < theirs.Value.Elapsed) theirs = r;
    }
    return (ours!, theirs!.Value);
}

OurTransfer Fresh(string source, string target, string? warmup)
{
    using var receiver = new OurReceiverProcess(Path.Join(work, "ours-" + target.Replace('/', '-')));
    return OurTransfer.Run(receiver, source, target, warmup);
}

static string[] Row(string name, long size, OurTransfer ours, (TimeSpan Elapsed, long BytesSent, long BytesReceived) rsync)
{
    var c = CultureInfo.InvariantCulture;
    return
    [
        name,
        ours.Inside.TotalSeconds.ToString("F2", c),
        rsync.Elapsed.TotalSeconds.ToString("F2", c),
        (ours.Inside / rsync.Elapsed).ToString("F2", c),
        (size / ours.Inside.TotalSeconds / (1 << 20)).ToString("F0", c),
        (size / rsync.Elapsed.TotalSeconds / (1 << 20)).ToString("F0", c),
        ours.WireBytes.ToString("N0", c),
        rsync.BytesSent.ToString("N0", c),
        ((double)ours.WireBytes / rsync.BytesSent).ToString("F3", c),
    ];
}

static void Print(List<string[]> rows)
{
    var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
    foreach (var row in rows)
        Console.WriteLine(string.Join("  ", row.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))));
}

long Option(string name, long fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? long.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
