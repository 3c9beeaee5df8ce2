namespace Federation.Coordinator.Saga;

/// <summary>The operator cancelled the migration before it committed.</summary>
public sealed class MigrationCancelledException() : Exception("cancelled by the operator");
