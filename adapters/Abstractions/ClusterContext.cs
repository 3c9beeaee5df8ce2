namespace Federation.Adapters;

/// <summary>What the coordinator tells every adapter about the cluster it serves.</summary>
/// <param name="Cluster">This cluster's name.</param>
/// <param name="StateDirectory">Where the coordinator keeps its journal; an adapter may keep its own state beside it.</param>
public sealed record ClusterContext(string Cluster, string StateDirectory);
