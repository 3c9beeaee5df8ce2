namespace Federation.Coordinator.Signals;

/// <summary>A peer cluster as the policies see it: whether it takes migrations (membership) and its latest pressure (from its heartbeat).</summary>
public sealed record PeerSignal(string Cluster, bool AcceptsMigrations, PressureSample Latest);
