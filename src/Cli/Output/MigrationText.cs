using System.Globalization;
using System.Text;
using Federation.Common;
using Federation.V1;

namespace Federation.Cli.Output;

/// <summary>Migrations as people read them.</summary>
public static class MigrationText
{
    public static string Phase(MigrationPhase phase) => phase switch
    {
        MigrationPhase.PrepareTarget => "prepare-target",
        MigrationPhase.HoldTraffic => "hold-traffic",
        MigrationPhase.FinalCheckpoint => "final-checkpoint",
        MigrationPhase.FinalTransfer => "final-transfer",
        MigrationPhase.SwitchTraffic => "switch-traffic",
        MigrationPhase.DeleteSource => "delete-source",
        MigrationPhase.RollingBack => "rolling-back",
        MigrationPhase.RolledBack => "rolled-back",
        _ => phase.ToString().ToLowerInvariant(),
    };

    public static string Duration(TimeSpan t) =>
        t.TotalSeconds >= 10 ? t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s" : t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms";

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 30 => (bytes / (1 << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB",
        >= 1 << 20 => (bytes / (1 << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        >= 1 << 10 => (bytes / (1 << 10)).ToString("F0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString("F0", CultureInfo.InvariantCulture) + " B",
    };

    /// <summary>The migration over several lines; text fields show their control characters as escapes.</summary>
    public static string Describe(Migration m)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"Migration:    {P(m.Id)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"Workload:     {P(m.Workload.Namespace)}/{P(m.Workload.Name)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"From -> to:   {P(m.SourceCluster)} -> {P(m.DestinationCluster)}");
        if (m.HomeCluster.Length > 0 && m.HomeCluster != m.SourceCluster)
            s.AppendLine(CultureInfo.InvariantCulture, $"Stable addr:  held by home cluster {P(m.HomeCluster)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"Phase:        {Phase(m.Phase)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"Pre-copy:     {m.Options?.PrecopyRounds} round(s) max, {m.PrecopyMode}, stopped: {P(m.PrecopyStopReason)}");
        if (m.PostCopy)
        {
            var pages = m.PostCopyDuration is null ? "pages still moving" : $"{Bytes(m.PostCopyBytes)} in {Duration(m.PostCopyDuration.ToTimeSpan())}";
            s.AppendLine(CultureInfo.InvariantCulture, $"Post-copy:    the memory followed the restore: {pages}");
        }
        else if (m.Options?.PostCopy is PostCopyMode.On or PostCopyMode.Auto && m.Rounds.Any(r => r.Final))
        {
            s.AppendLine(m.Options.PostCopy == PostCopyMode.On
                ? "Post-copy:    asked for, not possible: pre-copied instead (see events)"
                : "Post-copy:    if needed; not needed or not possible: pre-copied (see events)");
        }
        if (m.InitiatedBy.Length > 0) s.AppendLine(CultureInfo.InvariantCulture, $"Started by:   {P(m.InitiatedBy)}");
        if (m.Negotiation.Length > 0) s.AppendLine(CultureInfo.InvariantCulture, $"Negotiation:  {P(m.Negotiation)}");
        if (m.Downtime is not null) s.AppendLine(CultureInfo.InvariantCulture, $"Downtime:     {Duration(m.Downtime.ToTimeSpan())} (app frozen: final checkpoint to restored)");
        if (m.TrafficHold is not null) s.AppendLine(CultureInfo.InvariantCulture, $"Traffic hold: {Duration(m.TrafficHold.ToTimeSpan())} (new connections waited)");
        if (m.Error.Length > 0) s.AppendLine(CultureInfo.InvariantCulture, $"Error:        {P(m.Error)}");
        s.AppendLine("Phases:");
        foreach (var p in m.Phases)
            s.AppendLine(CultureInfo.InvariantCulture, $"  {Phase(p.Phase),-18}{(p.Duration is null ? "running" : Duration(p.Duration.ToTimeSpan())),10}");
        if (m.Rounds.Count > 0)
        {
            s.AppendLine("Rounds:");
            s.AppendLine("  ROUND   CHECKPOINT   DUMP       SENT         ALREADY THERE   TRANSFER   RATE");
            foreach (var r in m.Rounds)
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"  {(r.Final ? "final" : r.Round.ToString(CultureInfo.InvariantCulture)),-7} {Bytes(r.CheckpointBytes),-12} {Duration(r.CheckpointDuration?.ToTimeSpan() ?? TimeSpan.Zero),-10} " +
                    $"{Bytes(r.BytesSent),-12} {Bytes(r.BytesSkipped),-15} {Duration(r.TransferDuration?.ToTimeSpan() ?? TimeSpan.Zero),-10} {Bytes(r.BytesPerSecond)}/s");
        }
        return s.ToString().TrimEnd();
    }

    private static string P(string text) => Names.Printable(text);
}
