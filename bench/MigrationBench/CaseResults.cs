namespace Federation.MigrationBench;

/// <summary>The runs of one case, ours and the baseline, with their medians over the runs that completed and verified.</summary>
public sealed class CaseResults(BenchCase benchCase, IReadOnlyList<RunResult> runs)
{
    public BenchCase Case { get; } = benchCase;
    public IReadOnlyList<RunResult> Ours { get; } = runs.Where(r => r.Case == benchCase && r.Kind == RunKind.Ours).ToList();
    public IReadOnlyList<RunResult> Baseline { get; } = runs.Where(r => r.Case == benchCase && r.Kind == RunKind.Baseline).ToList();

    public Spread? Downtime(RunKind kind) => Spread.Of(Ok(kind).Select(r => r.Downtime!.Value.TotalSeconds));
    public Spread? Total(RunKind kind) => Spread.Of(Ok(kind).Select(r => r.Total!.Value.TotalSeconds));
    public Spread? Bytes(RunKind kind) => Spread.Of(Ok(kind).Where(r => r.Bytes is not null).Select(r => r.Bytes!.Value / 1048576.0));
    public Spread? ReportedDowntime => Spread.Of(Ok(RunKind.Ours).Where(r => r.ReportedDowntime is not null).Select(r => r.ReportedDowntime!.Value.TotalSeconds));

    /// <summary>Median bytes of each round index over our completed runs (MiB).</summary>
    public IReadOnlyList<Spread> RoundBytes()
    {
        var ok = Ok(RunKind.Ours);
        var rounds = ok.Count == 0 ? 0 : ok.Max(r => r.RoundBytes.Count);
        return Enumerable.Range(0, rounds)
            .Select(i => Spread.Of(ok.Where(r => r.RoundBytes.Count > i).Select(r => r.RoundBytes[i] / 1048576.0))!)
            .ToList();
    }

    /// <summary>Median of each timed step, in the order the steps ran.</summary>
    public IReadOnlyList<(string Step, Spread Seconds)> Steps(RunKind kind)
    {
        var ok = Ok(kind);
        return ok.SelectMany(r => r.Steps.Select(s => s.Step)).Distinct()
            .Select(step => (step, Spread.Of(ok.SelectMany(r => r.Steps.Where(s => s.Step == step).Select(s => s.Duration.TotalSeconds)))!))
            .ToList();
    }

    public IReadOnlyList<RunResult> Ok(RunKind kind) => (kind == RunKind.Ours ? Ours : Baseline).Where(r => r.Ok).ToList();

    public static string Ratio(Spread? ours, Spread? baseline) =>
        ours is null || baseline is null || baseline.Median <= 0 ? "–" : (ours.Median / baseline.Median).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
}
