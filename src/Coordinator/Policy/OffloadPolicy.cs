namespace Federation.Coordinator.Policy;

/// <summary>A validated policy file: its parts (a missing part is off), its guards, and whether it only decides and logs.</summary>
public sealed record OffloadPolicy(bool DryRun, EdgeOffloadPolicy? EdgeOffload, BalancePolicy? Balance, PolicyGuards Guards)
{
    /// <summary>No policy: nothing moves by itself.</summary>
    public static readonly OffloadPolicy None = new(false, null, null, PolicyGuards.Default);

    /// <summary>One line: what is on, with its numbers.</summary>
    public string Summary()
    {
        var parts = new List<string>();
        if (EdgeOffload is { } e)
            parts.Add($"edge offload on {e.Resource.ToString().ToLowerInvariant()}: above {e.Upper:0.###} for {Durations.Format(e.Window)} moves out, below {e.Lower:0.###} for {Durations.Format(e.LowerWindow)} comes home, cooldown {Durations.Format(e.Cooldown)}");
        if (Balance is { } b) parts.Add($"balance on {b.Resource.ToString().ToLowerInvariant()}: margin {b.Margin:0.###}");
        if (parts.Count == 0) parts.Add("no policy");
        parts.Add($"guards: at most {Guards.MaxConcurrentMigrations} at once, cooldown {Durations.Format(Guards.Cooldown)}");
        if (DryRun) parts.Add("dry run");
        return string.Join("; ", parts);
    }
}
