using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>What the runtime remembers of an app beyond Docker's own state.</summary>
/// <param name="Generation">The generation (epoch) of the app's copy here: 0 when created here, else the one it was restored at.</param>
/// <param name="FencedBelow">Restores and resumes below this generation are refused (a newer copy runs elsewhere); 0: never fenced.</param>
/// <param name="PreparedContainer">
/// A passive app's container, created (never started) when the app was registered so that a restore only fills and starts it;
/// empty once a restore took it (or when there is none). A container of the app that is not this one is never reused.
/// </param>
/// <param name="Failure">Why the Engine stopped this copy of the app, when it did (a post-copy restore whose pages stopped coming); empty otherwise.</param>
public sealed record AppRecord(AppSpec Spec, StartMode StartMode, bool CheckpointedAway, string RestoredFrom, ulong Generation = 0, ulong FencedBelow = 0,
    string PreparedContainer = "", string Failure = "");
