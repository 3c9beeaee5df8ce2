namespace Federation.Coordinator.Options;

/// <summary>How coordinators watch their peers (Coordinator:Membership).</summary>
public sealed class MembershipOptions
{
    /// <summary>How often this coordinator sends each peer a heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A peer with no heartbeat either way for this long is unreachable: no new migration goes there until it is seen again.</summary>
    public TimeSpan UnreachableAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline of one heartbeat call.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
