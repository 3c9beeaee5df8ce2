using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Membership;
using Federation.Coordinator.Metrics;
using Federation.Coordinator.Options;
using Federation.Coordinator.Policy;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Signals;

/// <summary>
/// Takes one sample of this cluster (the adapter's capacity as pressure, recorded and exported as metrics) and builds the
/// snapshot the policies decide from: the recorded series, this cluster's workloads and those it is home to that run
/// elsewhere (the journal's locations), the peers (membership and the capacity their heartbeats told) and the migrations
/// under way. A running workload's CPU and memory share is its measured, smoothed use (<see cref="WorkloadUsage"/>) over the
/// cluster's CPUs and memory, or, while it is not measured, its cluster's pressure divided evenly among the cluster's
/// workloads (<see cref="WorkloadShares"/>); its slot share is one slot. A workload of this home running elsewhere is estimated
/// the even way (its use there is not asked).
/// </summary>
public sealed partial class SignalSampler(
    IOrchestratorAdapter adapter,
    LocalCapacity capacity,
    SignalRecorder recorder,
    PeerMembership membership,
    MigrationJournal journal,
    WorkloadPins pins,
    WorkloadUsage usage,
    PolicyStore policies,
    CoordinatorMetrics metrics,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    Microsoft.Extensions.Logging.ILogger<SignalSampler> logger)
{
    private readonly HashSet<string> labelProblemsLogged = new(StringComparer.Ordinal);

    private CoordinatorOptions Options => options.Value;

    public async Task<SignalSnapshot> SampleAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var report = await capacity.GetAsync(Options.Policy.EvaluationInterval / 2, ct);
        var sample = PressureOf.Sample(now, report);
        recorder.Record(sample);
        foreach (var resource in Enum.GetValues<PressureResource>())
        {
            if (sample.Of(resource) is { } value) metrics.Pressure(resource, value);
        }

        var migrations = journal.List();
        var inFlight = migrations.Count(m => m.SourceCluster == Options.Cluster && !MigrationPhases.IsFinished(m.Phase));
        var lastMoved = LastMoves(migrations);
        var pinned = pins.List().Select(p => p.Workload.ToString()).ToHashSet(StringComparer.Ordinal);
        var running = (await adapter.ListWorkloadsAsync(ct)).Where(w => w.Role == Adapters.WorkloadRole.Active).ToList();
        await usage.SampleAsync(running.Where(w => w.Running).ToList(), now, ct);
        var count = Math.Max(1, running.Count);
        var slot = report.WorkloadSlotsTotal is { } total and > 0 ? 1.0 / total : 0;
        var edge = policies.Current.Policy.EdgeOffload;
        var workloads = running.Select(w =>
        {
            var labels = WorkloadLabels.Read(w.Id.ToString(), w.Labels, edge?.PriorityLabel ?? WorkloadLabels.DefaultPriorityLabel,
                edge?.OptOutLabel ?? WorkloadLabels.DefaultOptOutLabel);
            if (labels.Problem is { } problem && labelProblemsLogged.Add(problem)) LogLabelProblem(logger, problem);
            var measured = usage.Of(w.Id);
            var (cpu, memory) = WorkloadShares.Of(measured, report, sample, count);
            return new WorkloadSignal(w.Id.ToString(), Options.Cluster, w.HomeCluster ?? Options.Cluster, cpu, memory, slot,
                Priority: labels.Priority, OptOut: labels.OptOut, LastMovedAt: lastMoved.GetValueOrDefault(w.Id.ToString()),
                Moving: journal.ActiveMigrationOf(w.Id) is not null, Pinned: pinned.Contains(w.Id.ToString()),
                Measured: measured?.Cores is not null);
        }).ToList();
        foreach (var away in journal.ListLocations().Where(l => l.Cluster != Options.Cluster && l.Cluster.Length > 0))
        {
            workloads.Add(new WorkloadSignal(away.Workload.ToString(), away.Cluster, Options.Cluster,
                (sample.Cpu ?? 0) / count, (sample.Memory ?? 0) / count, slot, LastMovedAt: lastMoved.GetValueOrDefault(away.Workload.ToString()),
                Pinned: pinned.Contains(away.Workload.ToString())));
        }

        var peers = membership.All().Select(p =>
        {
            metrics.PeerState(p.Name, p.State == PeerState.Reachable);
            return new PeerSignal(p.Name, p.AcceptsMigrations && p.State == PeerState.Reachable,
                p.Capacity is { } c ? PressureOf.Sample(p.LastSeen ?? now, c) : new PressureSample(now, null, null, null));
        }).ToList();
        recorder.RecordWorkloads(workloads);
        return new SignalSnapshot(now, Options.Cluster, recorder.Series(), workloads, peers, inFlight, Options.Membership.HeartbeatInterval);
    }

    /// <summary>When each workload last finished a move out of this cluster, or was restored here.</summary>
    private Dictionary<string, DateTimeOffset> LastMoves(IReadOnlyList<Migration> migrations)
    {
        var last = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var m in migrations.Where(m => m.Phase == MigrationPhase.Completed && m.FinishedAt is not null))
            Later(last, $"{m.Workload.Namespace}/{m.Workload.Name}", m.FinishedAt.ToDateTimeOffset());
        foreach (var t in journal.ListTargets().Where(t => t.State == TargetState.Committed))
            Later(last, t.Workload.ToString(), t.LastHeartbeat);
        return last;
    }

    private static void Later(Dictionary<string, DateTimeOffset> last, string workload, DateTimeOffset at)
    {
        if (!last.TryGetValue(workload, out var known) || at > known) last[workload] = at;
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "workload labels: {Problem}")]
    private static partial void LogLabelProblem(Microsoft.Extensions.Logging.ILogger logger, string problem);
}
