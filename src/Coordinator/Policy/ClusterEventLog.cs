using Federation.Coordinator.Journal;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.Coordinator.Policy;

/// <summary>
/// What <c>fedctl events</c> lists: the policy's events (kept in memory, <see cref="PolicyEvents"/>) and the migrations out of
/// this cluster from the journal (each one's start, with who started it, and its end, with how it ended), oldest first; and the
/// pins in force.
/// </summary>
public sealed class ClusterEventLog(PolicyEvents policyEvents, MigrationJournal journal, WorkloadPins pins)
{
    public ListEventsResponse List(ListEventsRequest request)
    {
        var since = request.Since?.ToDateTimeOffset();
        var all = policyEvents.List().Select(Of).Concat(journal.List().SelectMany(EventsOf))
            .Where(e => since is null || e.At.ToDateTimeOffset() > since)
            .OrderBy(e => e.At.ToDateTimeOffset()).ThenBy(e => e.Kind, StringComparer.Ordinal)
            .ToList();
        if (request.Limit > 0 && all.Count > request.Limit) all = all[^(int)request.Limit..];
        var response = new ListEventsResponse { Events = { all } };
        response.Pins.AddRange(pins.List().Select(Of));
        return response;
    }

    public static PinnedWorkload Of(WorkloadPin pin) => new()
    {
        Workload = new V1.WorkloadRef { Namespace = pin.Workload.Namespace, Name = pin.Workload.Name },
        PinnedAt = Timestamp.FromDateTimeOffset(pin.PinnedAt),
        Note = pin.Note,
    };

    private static ClusterEvent Of(PolicyEvent e) => new()
    {
        At = Timestamp.FromDateTimeOffset(e.At),
        Kind = e.Kind,
        Workload = e.Workload,
        SourceCluster = e.Source,
        DestinationCluster = e.Destination,
        Reason = e.Reason,
        OnlyLogged = e.DryRun,
    };

    private static IEnumerable<ClusterEvent> EventsOf(Migration m)
    {
        var workload = $"{m.Workload.Namespace}/{m.Workload.Name}";
        if (m.CreatedAt is not null)
        {
            yield return new ClusterEvent
            {
                At = m.CreatedAt,
                Kind = "migration-started",
                Workload = workload,
                SourceCluster = m.SourceCluster,
                DestinationCluster = m.DestinationCluster,
                Reason = m.InitiatedBy.Length > 0 ? $"started by {m.InitiatedBy}" : "started by an operator",
                MigrationId = m.Id,
            };
        }
        if (MigrationPhases.IsFinished(m.Phase) && m.FinishedAt is not null)
        {
            yield return new ClusterEvent
            {
                At = m.FinishedAt,
                Kind = m.Phase switch
                {
                    MigrationPhase.Completed => "migration-completed",
                    MigrationPhase.RolledBack => "migration-rolled-back",
                    _ => "migration-failed",
                },
                Workload = workload,
                SourceCluster = m.SourceCluster,
                DestinationCluster = m.DestinationCluster,
                Reason = m.Phase == MigrationPhase.Completed
                    ? $"downtime {(m.Downtime is null ? "unknown" : $"{m.Downtime.ToTimeSpan().TotalMilliseconds:F0} ms")}"
                    : m.Error,
                MigrationId = m.Id,
            };
        }
    }
}
