using Federation.Common;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers Fence: from now on this runtime refuses to restore or resume the app below a generation, because
/// the app's next copy runs elsewhere at that generation. The fence only rises, is persisted in the app's
/// record before the answer (so it outlives an Engine restart and the app's removal), and is refused while
/// a copy below it still runs here: that copy must be checkpointed away first.
/// </summary>
public sealed partial class AppFencing(AppRegistry registry, AppDescriber describer, AppLocks locks, ILogger<AppFencing> logger)
{
    public async Task<App> FenceAsync(string app, ulong generation, CancellationToken ct)
    {
        Names.CheckAppName(app);
        using var held = await locks.LockAsync(app, ct);
        var current = await describer.GetAsync(app, ct);
        if (current.State is AppState.Running or AppState.Paused && current.Generation < generation)
            throw FederationException.FailedPrecondition(
                $"app '{app}' is {AppStates.Name(current.State)} here at generation {current.Generation}: checkpoint it away before fencing it below generation {generation}");
        if (generation <= current.FencedBelow) return current;

        var spec = current.Spec;
        await registry.UpdateAsync(app, record => (record ?? new AppRecord(spec, StartMode.Active, CheckpointedAway: false, RestoredFrom: "")) with
        {
            FencedBelow = Math.Max(record?.FencedBelow ?? 0, generation),
        }, ct);
        LogFenced(logger, app, generation);
        return await describer.GetAsync(app, ct);
    }

    /// <summary>Refuses to <paramref name="action"/> the app at <paramref name="generation"/> when that is below its fence.</summary>
    public static void RefuseBelowFence(string app, ulong fencedBelow, ulong generation, string action)
    {
        if (generation < fencedBelow)
            throw FederationException.FailedPrecondition(
                $"app '{app}' is fenced below generation {fencedBelow} here: a newer copy runs elsewhere; refusing to {action} generation {generation}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} fenced below generation {Generation}")]
    private static partial void LogFenced(ILogger logger, string app, ulong generation);
}
