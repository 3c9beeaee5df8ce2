namespace Federation.Coordinator.Saga;

/// <summary>
/// Named points of a migration where tests stop it to inject a fault (kill a coordinator or a runtime) at an
/// exact phase instead of guessing with sleeps. The default does nothing; a test host registers its own.
/// </summary>
public class MigrationHooks
{
    /// <summary>Source side: the step was journaled as begun and is about to act.</summary>
    public const string PrepareTarget = "prepare-target";
    public const string HoldTraffic = "hold-traffic";
    public const string FinalCheckpoint = "final-checkpoint";
    public const string FinalTransfer = "final-transfer";
    public const string Commit = "commit";
    public const string SwitchTraffic = "switch-traffic";
    public const string DeleteSource = "delete-source";

    /// <summary>Destination side: the passive target exists and is journaled, its answer to PrepareTarget not sent yet.</summary>
    public const string TargetPrepared = "target-prepared";

    /// <summary>Destination side: the app runs from the final checkpoint but the target is not promoted yet.</summary>
    public const string TargetRestored = "target-restored";

    /// <summary>Source side: the pre-copy round's checkpoint is about to be taken.</summary>
    public static string PrecopyRound(uint round) => $"precopy-round-{round}";

    public virtual Task ReachedAsync(string point, string migrationId, CancellationToken ct) => Task.CompletedTask;
}
