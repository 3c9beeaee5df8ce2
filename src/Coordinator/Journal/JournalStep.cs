namespace Federation.Coordinator.Journal;

public sealed record JournalStep(string Step, StepStatus Status, string Detail, DateTimeOffset At);
