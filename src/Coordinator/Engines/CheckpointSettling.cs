using Federation.V1;

namespace Federation.Coordinator.Engines;

/// <summary>Asks an Engine for an app until no checkpoint of it runs there (a dump cut short, a lazy dump serving pages), bounded.</summary>
public static class CheckpointSettling
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>The app once no checkpoint of it runs, or as it is at <paramref name="limit"/> (then still <c>checkpoint_in_progress</c>).</summary>
    public static async Task<App> SettledAppAsync(this V1.Engine.EngineClient engine, string app, TimeSpan limit, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var current = await engine.GetAppAsync(new GetAppRequest { Name = app }, cancellationToken: ct);
            if (!current.CheckpointInProgress || DateTime.UtcNow >= deadline) return current;
            await Task.Delay(Poll, ct);
        }
    }
}
