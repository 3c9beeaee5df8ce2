using Federation.Adapters;
using Federation.V1;

namespace Federation.Coordinator.Membership;

/// <summary>What this coordinator knows of one peer now.</summary>
/// <param name="LastSeen">When a heartbeat last went either way; null: never since this coordinator started.</param>
/// <param name="Capacity">The peer's capacity as its last heartbeat told it; null: never told.</param>
/// <param name="LastError">Why the last heartbeat sent to it failed; empty when it answered.</param>
public sealed record PeerView(string Name, PeerState State, DateTimeOffset? LastSeen, CapacityReport? Capacity, string LastError)
{
    /// <summary>Whether new migrations may go to the peer: not while it is unreachable.</summary>
    public bool AcceptsMigrations => State != PeerState.Unreachable;
}
