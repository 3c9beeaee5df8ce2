namespace Federation.Coordinator.Options;

/// <summary>Defaults of a migration and the saga's time limits.</summary>
public sealed class MigrationDefaults
{
    public uint PrecopyRounds { get; set; } = 3;

    /// <summary>Upper bound for a requested number of rounds.</summary>
    public uint MaxPrecopyRounds { get; set; } = 10;

    /// <summary>Pre-copy stops once a round sends fewer bytes than this.</summary>
    public ulong ConvergeBytes { get; set; } = 2 << 20;

    /// <summary>Pre-copy stops when a round sends more than this fraction of the round before it.</summary>
    public double ShrinkRatio { get; set; } = 0.8;

    /// <summary>Attempts per checkpoint transfer (a cut stream resumes from the last verified chunk).</summary>
    public int TransferAttempts { get; set; } = 4;

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A target whose source sent no heartbeat for this long is removed.</summary>
    public TimeSpan TargetHeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan PeerCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan TargetReadyTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Delay between attempts to finish or roll back an unfinished migration.</summary>
    public TimeSpan RecoveryRetryDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a migration whose commit began keeps asking an unreachable destination whether it restored the app.
    /// Past it the migration fails "in doubt": the source stays stopped (it must not run twice) until an operator acts.
    /// </summary>
    public TimeSpan InDoubtTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
