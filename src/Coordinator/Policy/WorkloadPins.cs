using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Policy;

/// <summary>
/// Workloads pinned by hand (<c>fedctl pin</c>): the policies of this cluster never move a pinned workload (no offload or
/// balance of one that runs here, no bring-home of one this cluster is home to), and this cluster refuses to send a pinned
/// workload home when its home's policy asks. Kept in the journal, so a pin survives a restart.
/// </summary>
public sealed partial class WorkloadPins(
    IOrchestratorAdapter adapter,
    MigrationJournal journal,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<WorkloadPins> logger)
{
    private string Cluster => options.Value.Cluster;

    /// <summary>Pins a workload that runs here or whose home is here; NotFound for any other.</summary>
    public async Task<WorkloadPin> PinAsync(WorkloadId workload, string note, CancellationToken ct)
    {
        await EnsureKnownAsync(workload, ct);
        var pin = new WorkloadPin(workload, clock.GetUtcNow(), ErrorMappingInterceptor.OneLine(note));
        journal.PutPin(pin);
        LogPinned(logger, workload.ToString(), pin.Note);
        return pin;
    }

    /// <summary>Removes a pin; false when the workload was not pinned (not an error: unpinning twice is safe).</summary>
    public bool Unpin(WorkloadId workload)
    {
        var removed = journal.RemovePin(workload);
        if (removed) LogUnpinned(logger, workload.ToString());
        return removed;
    }

    public WorkloadPin? Get(WorkloadId workload) => journal.ListPins().FirstOrDefault(p => p.Workload == workload);

    public IReadOnlyList<WorkloadPin> List() => journal.ListPins();

    private async Task EnsureKnownAsync(WorkloadId workload, CancellationToken ct)
    {
        if (await adapter.GetWorkloadAsync(workload, ct) is { Role: Adapters.WorkloadRole.Active }) return;
        if (journal.GetLocation(workload) is { } location && location.Cluster.Length > 0) return;
        throw FederationException.NotFound($"workload {workload} neither runs in cluster '{Cluster}' nor has its home there");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Workload} pinned by hand ({Note}): no policy moves it")]
    private static partial void LogPinned(ILogger logger, string workload, string note);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Workload} unpinned: policies may move it again")]
    private static partial void LogUnpinned(ILogger logger, string workload);
}
