using Federation.V1;

namespace Federation.Adapters;

/// <summary>Where a new runtime would run and what it would offer; a migration's destination must be compatible with its source.</summary>
/// <param name="Node">The node the orchestrator would place the runtime on.</param>
/// <param name="Runtime">What a runtime on that node describes itself as (the shape of an Engine's Describe); the target's own Engine confirms it before anything moves.</param>
/// <param name="MemoryFreeBytes">Memory available on that node; null when the orchestrator does not tell.</param>
/// <param name="WorkloadSlotsFree">How many more workloads the cluster accepts.</param>
/// <param name="SharedVolumes">The app's shared volumes (<c>VolumeMount.shared</c>) whose storage a runtime there reaches; null: none.</param>
/// <param name="Images">Images a runtime there can start: held on the node, or (an orchestrator whose runtimes pull from a registry) the app's image, which the target's runtime pulls while it is prepared.</param>
public sealed record PlacementOffer(
    string Node,
    DescribeResponse Runtime,
    ulong? MemoryFreeBytes,
    int WorkloadSlotsFree,
    IReadOnlyCollection<string> Images,
    IReadOnlyCollection<string>? SharedVolumes = null);
