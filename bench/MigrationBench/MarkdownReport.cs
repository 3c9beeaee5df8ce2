using System.Globalization;
using System.Text;

namespace Federation.MigrationBench;

/// <summary>bench/results/migration.md: the run's setting, one table row per case (ours, baseline, ratio), the timed steps, every run, the failures.</summary>
public static class MarkdownReport
{
    public static string Render(BenchOptions options, MachineInfo machine, DateTime started, string loadAtStart, string loadAtEnd, string slowLink, IReadOnlyList<RunResult> runs)
    {
        var text = new StringBuilder();
        var groups = options.CaseGroups();
        var cases = groups.SelectMany(g => g.Cases).Distinct().ToList();
        text.AppendLine("# Migration downtime: ours beside a UMS-style stop-and-copy (bench/migration.sh)");
        text.AppendLine();
        text.AppendLine(Invariant($"- Run: {started:yyyy-MM-dd HH:mm} UTC; cases: {string.Join("; ", groups.Select(g => $"{g.Name} ({string.Join(", ", g.Cases.Select(c => c.MemoryMib + " MiB/" + c.DirtyMibPerSecond + " MiB/s"))})"))}"));
        text.AppendLine(Invariant($"- {options.Reps} repetition(s) per case, ours and the baseline interleaved (the order alternates per repetition); our pre-copy rounds: {options.PrecopyRounds}{(options.Quick ? "; --quick smoke run" : "")}"));
        text.AppendLine(Invariant($"- Machine: {machine.Cores} cores ({machine.Cpu}), kernel {machine.Kernel}, CRIU {machine.Criu}, Docker {machine.OuterDocker} (outer engine) and {machine.InnerDocker} (in the runtimes); runtime image {options.RuntimeImage}, app {options.AppImage}; load average (1/5/15 min) {loadAtStart} at the start, {loadAtEnd} at the end (the cores are shared: times grow with the load, ratios are what to read)"));
        text.AppendLine("- Downtime = the longest time between two answers of a client reading the counter every 10 ms, one connection per request, open loop (a new request every 10 ms even while earlier ones wait, at most 64 at once, so a request stuck in a SYN retransmit does not hide the app's return): ours through the workload's stable address, the baseline on runtime A's published port until a request fails, then B's.");
        text.AppendLine("- Total: ours from the Migrate call to the Completed event (source deleted); the baseline from `docker checkpoint create` to the first answer from B.");
        text.AppendLine("- Bytes: ours put on the wire per pre-copy round (the last is the final round); the baseline's rsync \"Total bytes sent\".");
        text.AppendLine("- The baseline: two runtimes of the same image, privileges and tmpfs state volume as ours; `docker checkpoint create` (exit) in A, `rsync -a` to an `rsync --daemon` in B's network namespace, `docker create` + `docker start --checkpoint` in B (Docker 26 takes no `start --checkpoint-dir`: the copy is renamed into the created container's checkpoints directory). The app image is in both runtimes before the move and CRIU's feature cache is warm, as on long-lived UMS nodes.");
        if (slowLink.Length > 0)
            text.AppendLine($"- Slow link: {slowLink}, on the host-side veth of every runtime container of the case (ours: A's before the move, B's as soon as its container runs; the baseline: both), so checkpoint transfers, the client and the coordinators' calls to the runtimes all cross it.");
        text.AppendLine("- Every run is verified after the move: same seed (one process all along), the counter continued and never went back, `VERIFY` = ok. Figures are median [min–max] over the runs that passed; ratio = ours/baseline of the medians.");
        text.AppendLine();
        text.AppendLine("| group | case | runs ok (ours / baseline) | downtime ours s | downtime baseline s | downtime ratio | total ours s | total baseline s | total ratio | ours reported downtime s | ours MiB sent per round | baseline MiB sent |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var group in groups)
        {
            foreach (var benchCase in group.Cases)
            {
                var r = new CaseResults(benchCase, runs);
                var rounds = r.RoundBytes();
                var roundText = rounds.Count == 0 ? "–" : string.Join(", ", rounds.Select((s, i) => $"{(i == rounds.Count - 1 ? "final" : "r" + (i + 1))} {s.Format("F1")}"));
                text.AppendLine(Invariant($"| {group.Name} | {benchCase.Label} | {Count(r.Ours)} / {Count(r.Baseline)} | {Cell(r.Downtime(RunKind.Ours), "F2")} | {Cell(r.Downtime(RunKind.Baseline), "F2")} | {CaseResults.Ratio(r.Downtime(RunKind.Ours), r.Downtime(RunKind.Baseline))} | {Cell(r.Total(RunKind.Ours), "F1")} | {Cell(r.Total(RunKind.Baseline), "F1")} | {CaseResults.Ratio(r.Total(RunKind.Ours), r.Total(RunKind.Baseline))} | {Cell(r.ReportedDowntime, "F2")} | {roundText} | {Cell(r.Bytes(RunKind.Baseline), "F1")} |"));
            }
        }
        text.AppendLine();
        text.AppendLine("## Where the time goes (median s of each step, runs that passed)");
        text.AppendLine();
        foreach (var benchCase in cases)
        {
            var r = new CaseResults(benchCase, runs);
            text.AppendLine(Invariant($"- {benchCase.Label}: ours {Steps(r.Steps(RunKind.Ours))}; baseline {Steps(r.Steps(RunKind.Baseline))}"));
        }
        var failures = runs.Where(r => !r.Ok).ToList();
        text.AppendLine();
        text.AppendLine("## Failed runs");
        text.AppendLine();
        if (failures.Count == 0) text.AppendLine("None.");
        foreach (var f in failures) text.AppendLine(Invariant($"- {f.Case.Label}, rep {f.Rep}, {Side(f.Kind)}: {f.Failure}"));
        text.AppendLine();
        text.AppendLine("## Every run");
        text.AppendLine();
        text.AppendLine("| case | rep | side | result | downtime s | total s | reported downtime s | MiB sent | failed requests | notes |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var run in runs)
        {
            text.AppendLine(Invariant($"| {run.Case.Label} | {run.Rep} | {Side(run.Kind)} | {(run.Ok ? "ok" : "FAILED")} | {Seconds(run.Downtime, "F2")} | {Seconds(run.Total, "F1")} | {Seconds(run.ReportedDowntime, "F2")} | {(run.Bytes is { } b ? (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) : "–")} | {run.FailedRequests} | {Escape(run.Notes)} |"));
        }
        return text.ToString();
    }

    public static string Side(RunKind kind) => kind == RunKind.Ours ? "ours" : "baseline";

    private static string Count(IReadOnlyList<RunResult> runs) => runs.Count == 0 ? "–" : $"{runs.Count(r => r.Ok)}/{runs.Count}";

    private static string Cell(Spread? spread, string format) => spread?.Format(format) ?? "failed";

    private static string Seconds(TimeSpan? value, string format) => value is { } v ? v.TotalSeconds.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Steps(IReadOnlyList<(string Step, Spread Seconds)> steps) =>
        steps.Count == 0 ? "–" : string.Join(", ", steps.Select(s => $"{s.Step} {s.Seconds.Median.ToString("F2", CultureInfo.InvariantCulture)}"));

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
