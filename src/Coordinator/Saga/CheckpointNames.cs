namespace Federation.Coordinator.Saga;

/// <summary>Checkpoint names of one migration: unique per migration, so a later move of the same app never collides.</summary>
public static class CheckpointNames
{
    public static string Prefix(string migrationId) => migrationId;

    public static string Round(string migrationId, uint round) => $"{migrationId}-round-{round}";

    public static string Final(string migrationId) => $"{migrationId}-final";
}
