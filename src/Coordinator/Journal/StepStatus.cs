namespace Federation.Coordinator.Journal;

public enum StepStatus
{
    /// <summary>Written before the step acts: after a crash, it may or may not have happened.</summary>
    Begun,
    Done,
    Failed,
}
