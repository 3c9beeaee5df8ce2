using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>App states as messages name them ("running", "waiting for restore").</summary>
public static class AppStates
{
    public static string Name(AppState state) => state switch
    {
        AppState.WaitingForRestore => "waiting for restore",
        AppState.Created => "created",
        AppState.Running => "running",
        AppState.Paused => "paused",
        AppState.Checkpointed => "checkpointed",
        AppState.Exited => "exited",
        _ => "in an unknown state",
    };
}
