namespace Federation.Adapters;

/// <summary>What the coordinator tells every adapter about the cluster it serves.</summary>
/// <param name="Cluster">This cluster's name.</param>
/// <param name="StateDirectory">Where the coordinator keeps its journal; an adapter may keep its own state beside it.</param>
/// <param name="AdapterKind">The adapter kind this coordinator runs; an adapter checks its own settings only when it is the one.</param>
public sealed record ClusterContext(string Cluster, string StateDirectory, string AdapterKind);
