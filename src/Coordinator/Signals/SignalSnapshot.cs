namespace Federation.Coordinator.Signals;

/// <summary>
/// Everything a policy decides from, recorded at <see cref="Now"/>: this cluster's pressure series (oldest first), the
/// workloads that run here or whose home is here, the peers, and how many migrations out of this cluster are under way.
/// </summary>
public sealed record SignalSnapshot(
    DateTimeOffset Now,
    string Cluster,
    IReadOnlyList<PressureSample> Series,
    IReadOnlyList<WorkloadSignal> Workloads,
    IReadOnlyList<PeerSignal> Peers,
    int MigrationsInFlight);
