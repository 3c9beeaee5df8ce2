namespace Federation.MigrationBench;

/// <summary>
/// One migration of one case: ours or the baseline. <see cref="Failure"/> is null when it completed and the app verified
/// (same seed, counter continued, verify=ok); a failed run is still reported, with its reason.
/// </summary>
public sealed record RunResult(BenchCase Case, int Rep, RunKind Kind)
{
    public string? Failure { get; init; }
    public bool Ok => Failure is null;
    /// <summary>Client-visible downtime: the longest time between two answers.</summary>
    public TimeSpan? Downtime { get; init; }
    /// <summary>Ours: Migrate call to Completed. Baseline: checkpoint start to the first answer from runtime B.</summary>
    public TimeSpan? Total { get; init; }
    /// <summary>Ours: the migration's own downtime (final checkpoint start to restored app running).</summary>
    public TimeSpan? ReportedDowntime { get; init; }
    /// <summary>Bytes put on the wire: ours summed over rounds, the baseline's rsync "Total bytes sent".</summary>
    public long? Bytes { get; init; }
    /// <summary>Ours: bytes sent per round, in round order (the last is the final one).</summary>
    public IReadOnlyList<long> RoundBytes { get; init; } = [];
    /// <summary>Timed steps: ours the migration's phases, the baseline checkpoint / copy / create / restore / first answer.</summary>
    public IReadOnlyList<(string Step, TimeSpan Duration)> Steps { get; init; } = [];
    public int FailedRequests { get; init; }
    public string Notes { get; init; } = "";
}
