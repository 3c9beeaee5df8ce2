using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>What the runtime remembers of an app beyond Docker's own state.</summary>
public sealed record AppRecord(AppSpec Spec, StartMode StartMode, bool CheckpointedAway, string RestoredFrom);
