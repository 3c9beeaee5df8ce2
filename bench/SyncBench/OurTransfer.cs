using System.Globalization;

namespace Federation.SyncBench;

/// <summary>What one sender process reported, with its wall time (process start to exit).</summary>
internal sealed record OurTransfer(TimeSpan Wall, long SentBytes, long WireBytes, long SkippedBytes, double Ratio, TimeSpan Inside, long SenderRssKiloBytes, long SenderFileKiloBytes)
{
    /// <summary>When each phase of the timed transfer began, e.g. "Negotiating@41 Sending@212 Completing@260 Done@262".</summary>
    public string Phases { get; init; } = "";

    /// <summary>Runs a sender process; with a warm-up directory it first moves that (to a target of its own) and times only the second transfer.</summary>
    public static OurTransfer Run(OurReceiverProcess receiver, string directory, string target, string? warmup = null)
    {
        var (file, prefix) = ChildProcess.Self();
        string[] warm = warmup is null ? [] : [warmup, receiver.IssueToken("warmup/" + Guid.NewGuid().ToString("N"))];
        var (output, wall) = ChildProcess.Run(file, [.. prefix, "sender", receiver.Endpoint, directory, receiver.IssueToken(target), .. warm]);
        var line = output.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        var f = line.Split(' ');
        var c = CultureInfo.InvariantCulture;
        return new OurTransfer(wall, long.Parse(f[1], c), long.Parse(f[2], c), long.Parse(f[3], c), double.Parse(f[4], c),
            TimeSpan.FromMilliseconds(double.Parse(f[5], c)), long.Parse(f[6], c), long.Parse(f[7], c))
        {
            Phases = output.Split('\n').FirstOrDefault(l => l.StartsWith("PHASES ", StringComparison.Ordinal))?["PHASES ".Length..].Trim() ?? "",
        };
    }
}
