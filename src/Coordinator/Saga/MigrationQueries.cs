using System.Runtime.CompilerServices;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Requests;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Saga;

/// <summary>What clients read about migrations: one, the list, and a live stream of one's events.</summary>
public sealed class MigrationQueries(MigrationJournal journal, MigrationEvents events, IOptions<CoordinatorOptions> options, TimeProvider clock)
{
    public Migration Get(string id) =>
        journal.Get(RequestChecks.MigrationId(id)) ?? throw FederationException.NotFound($"migration '{id}' is not known to cluster '{options.Value.Cluster}'");

    public IReadOnlyList<Migration> List() => journal.List();

    /// <summary>The migration as it is now, then its events until it ends.</summary>
    public async IAsyncEnumerable<MigrationEvent> WatchAsync(string id, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = events.Subscribe(RequestChecks.MigrationId(id), out var subscription);
        using (subscription)
        {
            var current = Get(id);
            var done = MigrationPhases.IsFinished(current.Phase);
            yield return new MigrationEvent
            {
                MigrationId = id,
                Phase = current.Phase,
                Message = done ? $"migration has ended: {MigrationPhases.Display(current.Phase)}" : "watching",
                At = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
                Migration = current,
                Terminal = done,
            };
            if (done) yield break;
            await foreach (var e in reader.ReadAllAsync(ct))
            {
                yield return e;
                if (e.Terminal) yield break;
            }
        }
    }
}
