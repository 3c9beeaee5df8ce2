using Federation.V1;

namespace Federation.Coordinator.Saga;

/// <summary>When pre-copy has done what it can: the round limit, a small enough delta, or a delta that stopped shrinking.</summary>
public sealed record PrecopyPolicy(uint Rounds, ulong ConvergeBytes, double ShrinkRatio)
{
    /// <summary>Null to go on with another round, otherwise why to stop.</summary>
    public string? StopReason(IReadOnlyList<RoundStats> rounds)
    {
        if (Rounds == 0) return "stop-and-copy";
        if (rounds.Count == 0) return null;
        var last = rounds[^1];
        if (last.BytesSent <= ConvergeBytes) return "converged";
        if (rounds.Count >= Rounds) return "round limit";
        if (rounds.Count >= 2 && last.BytesSent > ShrinkRatio * rounds[^2].BytesSent) return "stopped shrinking";
        return null;
    }

    /// <summary>Pre-dumps where both runtimes track dirty memory; leave-running full dumps with delta transfer otherwise.</summary>
    public static PrecopyMode ModeFor(uint rounds, bool preDumpPossible) =>
        rounds == 0 ? PrecopyMode.StopAndCopy : preDumpPossible ? PrecopyMode.PreDumps : PrecopyMode.LeaveRunningDumps;
}
