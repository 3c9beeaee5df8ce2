using System.Collections.Concurrent;
using Federation.Adapters;
using Federation.Coordinator.Options;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Membership;

/// <summary>
/// Which peers are alive: each heartbeat that goes either way between this coordinator and a peer marks the peer seen (with
/// the capacity it told). A peer not seen for <see cref="MembershipOptions.UnreachableAfter"/> is unreachable and gets no new
/// migration; it is reachable again at its next heartbeat. A peer not seen yet since this coordinator started is pending until
/// that time has passed since the start. Time is the injected clock's, so tests drive it.
/// </summary>
public sealed class PeerMembership(IOptions<CoordinatorOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Record> records = new(StringComparer.Ordinal);
    private readonly DateTimeOffset started = clock.GetUtcNow();

    private TimeSpan UnreachableAfter => options.Value.Membership.UnreachableAfter;

    /// <summary>A heartbeat went to or came from <paramref name="peer"/>; <paramref name="capacity"/> is what it told (null: nothing new).</summary>
    public void Seen(string peer, CapacityReport? capacity)
    {
        var now = clock.GetUtcNow();
        records.AddOrUpdate(peer, _ => new Record(now, capacity, ""), (_, r) => new Record(now, capacity ?? r.Capacity, ""));
    }

    /// <summary>A heartbeat sent to <paramref name="peer"/> failed with <paramref name="error"/> (one line).</summary>
    public void Missed(string peer, string error) =>
        records.AddOrUpdate(peer, _ => new Record(null, null, error), (_, r) => r with { LastError = error });

    public PeerView ViewOf(string peer)
    {
        var record = records.GetValueOrDefault(peer) ?? new Record(null, null, "");
        var now = clock.GetUtcNow();
        var state = record.LastSeen is { } seen
            ? now - seen <= UnreachableAfter ? PeerState.Reachable : PeerState.Unreachable
            : now - started <= UnreachableAfter ? PeerState.Pending : PeerState.Unreachable;
        return new PeerView(peer, state, record.LastSeen, record.Capacity, record.LastError);
    }

    /// <summary>Every configured peer, by name.</summary>
    public IReadOnlyList<PeerView> All() =>
        options.Value.Peers.Keys.Order(StringComparer.Ordinal).Select(ViewOf).ToList();

    /// <summary>Refuses (FailedPrecondition) a new migration to an unreachable peer, saying when it was last seen.</summary>
    public void EnsureAcceptsMigrations(string peer)
    {
        var view = ViewOf(peer);
        if (view.AcceptsMigrations) return;
        var seen = view.LastSeen is { } at ? $"last heartbeat at {at.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z" : "no heartbeat since this coordinator started";
        var why = view.LastError.Length > 0 ? $"; last error: {view.LastError}" : "";
        throw FederationException.FailedPrecondition(
            $"cluster '{peer}' is unreachable ({seen}, limit {UnreachableAfter.TotalSeconds:0.###}s{why}): no new migration goes there until it is seen again");
    }

    private sealed record Record(DateTimeOffset? LastSeen, CapacityReport? Capacity, string LastError);
}
