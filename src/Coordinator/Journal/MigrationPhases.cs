using Federation.V1;

namespace Federation.Coordinator.Journal;

public static class MigrationPhases
{
    public static bool IsFinished(MigrationPhase phase) =>
        phase is MigrationPhase.Completed or MigrationPhase.RolledBack or MigrationPhase.Failed;

    /// <summary>"PRECOPY" -> "precopy", for messages and the CLI.</summary>
    public static string Display(MigrationPhase phase) => phase.ToString() switch
    {
        "PrepareTarget" => "prepare-target",
        "HoldTraffic" => "hold-traffic",
        "FinalCheckpoint" => "final-checkpoint",
        "FinalTransfer" => "final-transfer",
        "SwitchTraffic" => "switch-traffic",
        "DeleteSource" => "delete-source",
        "RollingBack" => "rolling-back",
        "RolledBack" => "rolled-back",
        var other => other.ToLowerInvariant(),
    };
}
