using System.Globalization;
using Federation.SyncModule.Sender;

namespace Federation.SyncBench;

/// <summary>
/// `SyncBench sender ENDPOINT DIR TOKEN [WARMUP_DIR WARMUP_TOKEN]`: one transfer, after an optional
/// warm-up transfer (both ends of a real migration live in long-running Engines, already jitted).
/// Prints "RESULT sent wire skipped ratio ms peakRssKB fileBackedKB" and "PHASES phase@ms ..." (when each phase began).
/// </summary>
internal static class SenderMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var endpoint = new Uri(args[0]);
        var options = new SyncSendOptions();
        if (Environment.GetEnvironmentVariable("SYNCBENCH_BLOCK") is { } block) options.BlockSize = int.Parse(block, CultureInfo.InvariantCulture);
        if (Environment.GetEnvironmentVariable("SYNCBENCH_STREAMS") is { } streams) options.ParallelStreams = int.Parse(streams, CultureInfo.InvariantCulture);
        if (Environment.GetEnvironmentVariable("SYNCBENCH_LEVEL") is { } level) options.CompressionLevel = int.Parse(level, CultureInfo.InvariantCulture);
        if (Environment.GetEnvironmentVariable("SYNCBENCH_CODEC") is { } codec) options.Codec = Enum.Parse<SyncCodec>(codec, ignoreCase: true);
        var verbose = Environment.GetEnvironmentVariable("SYNCBENCH_VERBOSE") == "1";
        SyncPhase? last = null;
        var phases = new List<string>();
        var progress = new PhaseLog(p =>
        {
            if (p.Phase != last)
            {
                if (verbose) Console.Error.WriteLine($"{p.Elapsed.TotalMilliseconds,8:F0} ms  {p.Phase}  sent {p.SentBytes}");
                phases.Add(string.Create(CultureInfo.InvariantCulture, $"{p.Phase}@{p.Elapsed.TotalMilliseconds:F0}"));
            }
            last = p.Phase;
        });
        var sender = new SyncSender();
        if (args.Length >= 5)
        {
            await sender.SendDirectoryAsync(endpoint, null, args[3], args[4], options);
            await Task.Delay(300);
        }
        var result = await sender.SendDirectoryAsync(endpoint, null, args[1], args[2], options, progress);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {result.SentBytes} {result.WireBytes} {result.SkippedBytes} {result.CompressionRatio:F3} {result.Duration.TotalMilliseconds:F0} {PeakMemory.KiloBytes()} {PeakMemory.FileBackedKiloBytes()}"));
        Console.WriteLine("PHASES " + string.Join(' ', phases));
        return 0;
    }

    private sealed class PhaseLog(Action<SyncProgress> report) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => report(value);
    }
}
