using Federation.Common;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers RemoveApp: force-removes the app's containers (every one of a workload of several), forgets its record (its fence stays, see
/// <see cref="AppRegistry"/>) and, when asked, deletes its checkpoints.
/// </summary>
public sealed partial class AppRemover(
    CheckpointVolume volume,
    AppRegistry registry,
    AppContainers containers,
    AppStopSettling settling,
    Lazy.LazyDumps lazyDumps,
    ILogger<AppRemover> logger)
{
    public async Task<bool> RemoveAsync(string app, bool deleteCheckpoints, CancellationToken ct)
    {
        Names.CheckAppName(app);
        await settling.SettledAsync(app, ct);
        var record = await registry.GetAsync(app, ct);
        var container = await containers.FindAsync(app, ct);
        if (record is null && container is null) throw FederationException.NotFound($"app '{app}' is not in this runtime");
        // A lazy dump holds the app's processes (ptrace): Docker cannot kill them under it ("PID ... is zombie"). The app is
        // being removed, so its dump ends first, whatever that does to the pages not yet served.
        foreach (var dump in lazyDumps.Of(app))
        {
            dump.MarkAbandoned();
            dump.Kill();
            await dump.Finished.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }
        foreach (var member in await containers.ListOfAppAsync(app, ct)) await containers.RemoveAsync(member.ID, ct);
        await registry.DeleteAsync(app, ct);
        if (deleteCheckpoints) FileTree.TryDelete(volume.AppDirectory(app));
        LogRemoved(logger, app);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App} removed")]
    private static partial void LogRemoved(ILogger logger, string app);
}
