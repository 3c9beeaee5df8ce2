using ScottPlot;

namespace Federation.MigrationBench;

/// <summary>PNG plots of downtime and total time against memory size and against dirty rate, ours and the baseline as two series (medians).</summary>
public static class Plots
{
    public static IReadOnlyList<string> Write(BenchOptions options, IReadOnlyList<RunResult> runs)
    {
        var written = new List<string>();
        var groups = options.CaseGroups();
        Sweep("memory", "downtime-vs-memory.png", "total-vs-memory.png", "app memory (MiB)", c => c.MemoryMib);
        Sweep("dirty-rate", "downtime-vs-dirty-rate.png", "total-vs-dirty-rate.png", "dirty rate (MiB/s)", c => c.DirtyMibPerSecond);
        return written;

        void Sweep(string group, string downtimeFile, string totalFile, string axis, Func<BenchCase, int> x)
        {
            var sweep = groups.FirstOrDefault(g => g.Name.StartsWith(group, StringComparison.Ordinal));
            if (sweep is null)
            {
                // Not measured in this run: no plot from an earlier run may stand beside this run's table.
                File.Delete(Path.Combine(options.OutputDirectory, downtimeFile));
                File.Delete(Path.Combine(options.OutputDirectory, totalFile));
                return;
            }
            var results = sweep.Cases.OrderBy(x).Select(c => new CaseResults(c, runs)).ToList();
            Draw(Path.Combine(options.OutputDirectory, downtimeFile), $"Client-visible downtime vs {axis}", axis, "downtime (s)", results, x, (r, k) => r.Downtime(k));
            Draw(Path.Combine(options.OutputDirectory, totalFile), $"Total migration time vs {axis}", axis, "total time (s)", results, x, (r, k) => r.Total(k));
            written.Add(downtimeFile);
            written.Add(totalFile);
        }
    }

    private static void Draw(string path, string title, string xLabel, string yLabel, IReadOnlyList<CaseResults> results,
        Func<BenchCase, int> x, Func<CaseResults, RunKind, Spread?> value)
    {
        var plot = new Plot();
        var top = 0.0;
        foreach (var kind in new[] { RunKind.Ours, RunKind.Baseline })
        {
            var points = results.Select(r => (X: (double)x(r.Case), Y: value(r, kind))).Where(p => p.Y is not null).ToList();
            if (points.Count == 0) continue;
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y!.Median).ToArray());
            line.LegendText = kind == RunKind.Ours ? "ours (median)" : "baseline: checkpoint, rsync, start --checkpoint (median)";
            line.MarkerSize = 8;
            line.LineWidth = 2;
            var bars = plot.Add.ErrorBar(points.Select(p => p.X).ToArray(), points.Select(p => p.Y!.Median).ToArray(),
                points.Select(p => p.Y!.Max - p.Y.Median).ToArray());
            bars.YErrorNegative = points.Select(p => p.Y!.Median - p.Y.Min).ToArray();
            bars.Color = line.Color;
            top = Math.Max(top, points.Max(p => p.Y!.Max));
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel + ", bars: min to max");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(0, Math.Max(top * 1.25, 0.1));
        plot.SavePng(path, 900, 540);
    }
}
