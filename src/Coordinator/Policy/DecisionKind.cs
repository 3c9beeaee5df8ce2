namespace Federation.Coordinator.Policy;

/// <summary>What a policy decided: move out under pressure, come home, balance, or hold (it wanted to act and a guard or the lack of a peer stopped it).</summary>
public enum DecisionKind
{
    Offload,
    Return,
    Balance,
    Hold,
}
