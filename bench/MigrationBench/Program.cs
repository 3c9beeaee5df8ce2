using System.Globalization;
using Federation.MigrationBench;

// bench/migration.sh [--quick] [--reps N] [--cases headline,memory,dirty,slow] ...: our live migration beside a UMS-style
// stop-and-copy (docker checkpoint, rsync, docker start --checkpoint) on two local Docker-host clusters; see BenchOptions.Usage.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
BenchOptions options;
try
{
    options = BenchOptions.Parse(args, Repository.Root());
}
catch (BenchException e)
{
    Console.Error.WriteLine($"migration bench: {e.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
if (Environment.UserName != "root")
{
    Console.Error.WriteLine("migration bench: must run as root (tc, nsenter, the runtimes' state volumes)");
    return 2;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};
var ct = interrupted.Token;
var started = DateTime.UtcNow;
var loadAtStart = MachineInfo.LoadAverage();
var work = Directory.CreateTempSubdirectory("fedbench-").FullName;
var link = new SlowLink();
var runs = new List<RunResult>();
var keepWork = false;
try
{
    await Leftovers.RemoveAsync(ct);
    var machine = await MachineInfo.CollectAsync(options.RuntimeImage, ct);
    Console.WriteLine($"migration bench: {machine.Cores} cores, kernel {machine.Kernel}, CRIU {machine.Criu}, Docker {machine.OuterDocker} / {machine.InnerDocker}");
    var cases = options.CaseGroups().SelectMany(g => g.Cases).Distinct().ToList();
    Console.WriteLine($"migration bench: {cases.Count} case(s) x {options.Reps} rep(s), ours and the baseline each: {string.Join("; ", cases.Select(c => c.Label))}");
    await using (var clusters = await ClusterPair.StartAsync(options, work, ct))
    {
        var ours = new OursRun(clusters, options, link);
        var baseline = new BaselineRun(options, link, work);
        var sequence = 0;
        foreach (var benchCase in cases)
        {
            for (var rep = 1; rep <= options.Reps; rep++)
            {
                var name = $"w{++sequence}";
                var order = rep % 2 == 1 ? new[] { RunKind.Ours, RunKind.Baseline } : [RunKind.Baseline, RunKind.Ours];
                foreach (var kind in order)
                {
                    if (kind == RunKind.Baseline && (benchCase.VolumeMib > 0 || benchCase.WriterOnly)) continue;
                    var run = kind == RunKind.Ours ? await ours.RunAsync(benchCase, rep, name, ct) : await baseline.RunAsync(benchCase, rep, name, ct);
                    await link.RemoveAllAsync(ct);
                    runs.Add(run);
                    Console.WriteLine(Progress(run, options.Reps));
                }
            }
        }
        keepWork = runs.Any(r => !r.Ok);
    }
    Directory.CreateDirectory(options.OutputDirectory);
    var report = MarkdownReport.Render(options, machine, started, loadAtStart, MachineInfo.LoadAverage(), link.Description, runs);
    var reportPath = Path.Combine(options.OutputDirectory, "migration.md");
    await File.WriteAllTextAsync(reportPath, report, CancellationToken.None);
    var plots = Plots.Write(options, runs);
    Console.WriteLine();
    Console.WriteLine(report);
    Console.WriteLine($"migration bench: wrote {reportPath}{(plots.Count > 0 ? " and " + string.Join(", ", plots) : " (no sweep ran: no plots)")}");
    return runs.All(r => r.Ok) ? 0 : 1;
}
catch (Exception e) when (e is BenchException or OperationCanceledException or Grpc.Core.RpcException or IOException)
{
    keepWork = true;
    Console.Error.WriteLine($"migration bench: {(e is OperationCanceledException ? "interrupted" : OursRun.OneLine(e))}");
    return 1;
}
finally
{
    await link.RemoveAllAsync(CancellationToken.None);
    try { await Leftovers.RemoveAsync(CancellationToken.None); }
    catch (BenchException e) { Console.Error.WriteLine($"migration bench: cleanup: {e.Message}"); }
    if (keepWork)
    {
        foreach (var secret in Directory.GetFiles(work, "*token*", SearchOption.AllDirectories).Concat(Directory.GetFiles(work, "peer-secret*"))) File.Delete(secret);
        Console.Error.WriteLine($"migration bench: coordinator logs kept in {work}");
    }
    else
    {
        Directory.Delete(work, recursive: true);
    }
}

static string Progress(RunResult run, int reps)
{
    var head = $"[{run.Case.Label}] rep {run.Rep}/{reps} {MarkdownReport.Side(run.Kind),-8}";
    if (!run.Ok) return $"{head} FAILED: {run.Failure}; load {MachineInfo.LoadAverage()}";
    var reported = run.ReportedDowntime is { } r ? string.Create(CultureInfo.InvariantCulture, $" (reported {r.TotalSeconds:F2} s)") : "";
    var bytes = run.RoundBytes.Count > 0 ? string.Join(" + ", run.RoundBytes.Select(b => (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture))) : ((run.Bytes ?? 0) / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
    return string.Create(CultureInfo.InvariantCulture,
        $"{head} downtime {run.Downtime!.Value.TotalSeconds:F2} s{reported}, total {run.Total!.Value.TotalSeconds:F1} s, {bytes} MiB sent, {run.FailedRequests} failed requests; load {MachineInfo.LoadAverage()}; {run.Notes}");
}
