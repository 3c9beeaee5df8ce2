namespace Federation.Coordinator.Policy;

/// <summary>Something the policy machinery did or decided, with the reason (the numbers behind it).</summary>
/// <param name="Kind">"offload", "return", "balance", "hold" (decisions) or "policy-loaded", "policy-refused".</param>
/// <param name="DryRun">Only logged, not carried out.</param>
public sealed record PolicyEvent(DateTimeOffset At, string Kind, string Workload, string Source, string Destination, string Reason, bool DryRun);
