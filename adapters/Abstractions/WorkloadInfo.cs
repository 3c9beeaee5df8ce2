namespace Federation.Adapters;

/// <summary>A workload as the adapter sees it, with the addresses the migration needs.</summary>
/// <param name="EngineEndpoint">The runtime's Engine as this cluster's coordinator reaches it.</param>
/// <param name="PeerEngineEndpoint">The runtime's Engine (and Sync receiver) as another cluster's runtime reaches it.</param>
/// <param name="AppEndpoints">Container port -> "host:port" where the app is reachable from outside the runtime.</param>
/// <param name="StableAddress">The address clients use ("host:port"), kept across moves; null if none is known.</param>
/// <param name="MigrationId">The migration that created the workload as a target, if any.</param>
/// <param name="HomeCluster">The cluster whose coordinator holds <paramref name="StableAddress"/>; null when this cluster holds it (or there is none).</param>
/// <param name="Node">The node the runtime runs on, as the orchestrator names it.</param>
/// <param name="Labels">
/// The workload's labels as its orchestrator keeps them, which the policies read (priority, opt-out): the app spec's labels (set at
/// deploy, carried across moves), and on Kubernetes the runtime pod's labels and annotations, on Marathon the app's labels, over them.
/// </param>
public sealed record WorkloadInfo(
    WorkloadId Id,
    WorkloadRole Role,
    string Image,
    bool Running,
    Uri EngineEndpoint,
    Uri PeerEngineEndpoint,
    IReadOnlyDictionary<int, string> AppEndpoints,
    string? StableAddress,
    string? MigrationId,
    string? HomeCluster = null,
    string Node = "",
    IReadOnlyDictionary<string, string>? Labels = null);
