namespace Federation.Coordinator.Saga;

/// <summary>Names of the journaled steps; recovery decides from which of them have begun.</summary>
public static class SagaSteps
{
    public const string PrepareTarget = "prepare-target";
    public const string HoldTraffic = "hold-traffic";
    public const string FinalCheckpoint = "final-checkpoint";
    public const string Commit = "commit";
    /// <summary>The commit began but the destination's answer is unknown; recovery keeps asking it.</summary>
    public const string CommitInDoubt = "commit-in-doubt";
    /// <summary>The destination confirmed that it aborted a migration whose commit began: it will never restore it.</summary>
    public const string AbortConfirmed = "abort-confirmed";
    public const string SwitchTraffic = "switch-traffic";
    public const string DeleteSource = "delete-source";
    public const string RestoreSource = "restore-source";
    public const string AbortTarget = "abort-target";
    public const string ReleaseTraffic = "release-traffic";

    public static string Checkpoint(string name) => $"checkpoint {name}";
    public static string Transfer(string name) => $"transfer {name}";
}
