namespace Federation.MigrationBench;

/// <summary>Whether the app came through a move: one process all along (same seed), its counter continued, every page verified.</summary>
public static class Verdict
{
    /// <returns>Null when it did; else the reason.</returns>
    public static string? Of(AppStatus before, AppStatus after, ClientSummary seen)
    {
        if (after.Seed != before.Seed) return $"seed changed {before.Seed} -> {after.Seed}: the app restarted, its memory did not come along";
        if (seen.Seeds.Any(s => s != before.Seed)) return "the client saw another seed during the move";
        if (after.Counter < seen.LastCounter || after.Counter < before.Counter) return $"counter went back to {after.Counter}";
        if (seen.CounterWentBack) return "the client saw the counter go back";
        if (after.Verify != "ok") return $"verify={after.Verify ?? "missing"} after the move";
        return null;
    }
}
