namespace Federation.Coordinator.Policy;

/// <summary>The greedy balancer: a workload moves from the busiest cluster to the least busy one while their pressures differ by more than <see cref="Margin"/>.</summary>
public sealed record BalancePolicy(PressureResource Resource, double Margin);
