namespace Federation.Coordinator.Policy;

/// <summary>One decision: move <see cref="Workload"/> from <see cref="Source"/> to <see cref="Destination"/> (empty for a hold), and why, with the numbers.</summary>
public sealed record PolicyDecision(DecisionKind Kind, string Workload, string Source, string Destination, string Reason)
{
    public string KindName => Kind.ToString().ToLowerInvariant();

    public override string ToString() => Kind == DecisionKind.Hold
        ? $"hold: {Reason}"
        : $"{KindName} {Workload} {Source} -> {Destination}: {Reason}";
}
