namespace Federation.Coordinator.Signals;

/// <summary>
/// Everything a policy decides from, recorded at <see cref="Now"/>: this cluster's pressure series (oldest first), the
/// workloads that run here or whose home is here, the peers, and how many migrations out of this cluster are under way.
/// <see cref="PeerReadingAge"/>: how much older than its heartbeat a peer's pressure reading may be (the peer sends a
/// reading it may have cached for up to a heartbeat interval).
/// </summary>
public sealed record SignalSnapshot(
    DateTimeOffset Now,
    string Cluster,
    IReadOnlyList<PressureSample> Series,
    IReadOnlyList<WorkloadSignal> Workloads,
    IReadOnlyList<PeerSignal> Peers,
    int MigrationsInFlight,
    TimeSpan PeerReadingAge = default);
