namespace Federation.Adapters;

/// <summary>
/// Where a workload's stable client address lives when another cluster holds it: the workload was
/// deployed there (its home) and has moved away. The home's coordinator holds and switches it.
/// </summary>
/// <param name="Cluster">The home cluster's name.</param>
/// <param name="Address">The stable address clients use ("host:port").</param>
public sealed record StableHome(string Cluster, string Address);
