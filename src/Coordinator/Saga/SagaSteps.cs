namespace Federation.Coordinator.Saga;

/// <summary>Names of the journaled steps; recovery decides from which of them have begun.</summary>
public static class SagaSteps
{
    public const string PrepareTarget = "prepare-target";
    public const string HoldTraffic = "hold-traffic";
    public const string FinalCheckpoint = "final-checkpoint";
    public const string Commit = "commit";
    public const string SwitchTraffic = "switch-traffic";
    public const string DeleteSource = "delete-source";
    public const string RestoreSource = "restore-source";
    public const string AbortTarget = "abort-target";
    public const string ReleaseTraffic = "release-traffic";

    public static string Checkpoint(string name) => $"checkpoint {name}";
    public static string Transfer(string name) => $"transfer {name}";
}
