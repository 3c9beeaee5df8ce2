using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>What the runtime remembers of an app beyond Docker's own state.</summary>
/// <param name="Generation">The generation (epoch) of the app's copy here: 0 when created here, else the one it was restored at.</param>
/// <param name="FencedBelow">Restores and resumes below this generation are refused (a newer copy runs elsewhere); 0: never fenced.</param>
public sealed record AppRecord(AppSpec Spec, StartMode StartMode, bool CheckpointedAway, string RestoredFrom, ulong Generation = 0, ulong FencedBelow = 0);
