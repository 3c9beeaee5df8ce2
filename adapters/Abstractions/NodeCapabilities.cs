namespace Federation.Adapters;

/// <summary>What a new runtime in the cluster would offer; a migration's destination must be compatible with its source.</summary>
public sealed record NodeCapabilities(
    string Architecture,
    string Kernel,
    string DockerVersion,
    string ContainerdVersion,
    string RuncVersion,
    string CriuVersion,
    bool DirtyTracking,
    ulong MemoryFreeBytes,
    int WorkloadSlotsFree,
    IReadOnlyCollection<string> Images);
