using Federation.Coordinator.Journal;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.Coordinator.Saga;

/// <summary>
/// Keeps a migration's record: phases with their timings, rounds, errors. Every change is saved to
/// the journal and published to watchers; a migration that ends is counted in the metrics.
/// </summary>
public sealed class MigrationTracker(MigrationJournal journal, MigrationEvents events, TimeProvider clock, Metrics.CoordinatorMetrics metrics)
{
    public void EnterPhase(Migration migration, MigrationPhase phase, string message)
    {
        var now = clock.GetUtcNow();
        var endedBefore = MigrationPhases.IsFinished(migration.Phase);
        CloseOpenPhase(migration, now);
        migration.Phase = phase;
        migration.Phases.Add(new PhaseTiming { Phase = phase, StartedAt = Timestamp.FromDateTimeOffset(now) });
        if (MigrationPhases.IsFinished(phase))
        {
            migration.Phases[^1].Duration = Duration.FromTimeSpan(TimeSpan.Zero);
            migration.FinishedAt = Timestamp.FromDateTimeOffset(now);
        }
        Save(migration, message);
        // Counted once, at its first end (a failed rollback that later finishes stays counted as failed).
        if (MigrationPhases.IsFinished(phase) && !endedBefore) metrics.MigrationEnded(migration);
    }

    public void Save(Migration migration, string message, TransferProgress? progress = null, uint round = 0)
    {
        journal.Save(migration);
        var e = new MigrationEvent
        {
            MigrationId = migration.Id,
            Phase = migration.Phase,
            Message = message,
            Round = round,
            At = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            Migration = migration.Clone(),
            Terminal = MigrationPhases.IsFinished(migration.Phase),
        };
        if (progress is not null)
        {
            e.BytesDone = progress.BytesDone;
            e.BytesTotal = progress.BytesTotal;
            e.BytesSent = progress.BytesSent;
            e.BytesPerSecond = progress.BytesPerSecond;
        }
        events.Publish(e);
    }

    /// <summary>A progress event that changes nothing durable: published, not journaled.</summary>
    public void Progress(Migration migration, string message, TransferProgress progress, uint round) =>
        events.Publish(new MigrationEvent
        {
            MigrationId = migration.Id,
            Phase = migration.Phase,
            Message = message,
            Round = round,
            BytesDone = progress.BytesDone,
            BytesTotal = progress.BytesTotal,
            BytesSent = progress.BytesSent,
            BytesPerSecond = progress.BytesPerSecond,
            At = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            Migration = migration.Clone(),
        });

    private static void CloseOpenPhase(Migration migration, DateTimeOffset now)
    {
        if (migration.Phases.Count == 0) return;
        var last = migration.Phases[^1];
        if (last.Duration is null) last.Duration = Duration.FromTimeSpan(now - last.StartedAt.ToDateTimeOffset());
    }
}
