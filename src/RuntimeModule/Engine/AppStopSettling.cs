using System.Collections.Concurrent;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// dockerd learns that a dumped app exited a moment (about 0.3 s here) after runc returns. A checkpoint that
/// stops the app does not wait for that (it would lengthen the freeze); it leaves the wait here, and whoever
/// reads or changes that app's state (GetApp, ListApps, Restore, RemoveApp) waits for it first, so nobody
/// sees the app "running" after its final checkpoint.
/// </summary>
public sealed class AppStopSettling(AppContainers containers)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Task> pending = new(StringComparer.Ordinal);

    /// <summary>Starts waiting, in the background, until Docker reports the app's container not running.</summary>
    public void Begin(string app, string containerId)
    {
        pending[app] = WaitAsync(containerId);
    }

    /// <summary>Waits until Docker agrees that the app stopped, if a checkpoint just stopped it.</summary>
    public async Task SettledAsync(string app, CancellationToken ct)
    {
        if (!pending.TryGetValue(app, out var wait)) return;
        await wait.WaitAsync(ct);
        pending.TryRemove(new KeyValuePair<string, Task>(app, wait));
    }

    /// <summary>Waits for every app a checkpoint just stopped (for listings).</summary>
    public async Task AllSettledAsync(CancellationToken ct)
    {
        foreach (var app in pending.Keys) await SettledAsync(app, ct);
    }

    private async Task WaitAsync(string containerId)
    {
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await containers.WaitUntilNotRunningAsync(containerId, limit.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or Docker.DotNet.DockerApiException or HttpRequestException or IOException)
        {
            // Bounded: past the limit, or with the container gone, readers see whatever Docker says.
        }
    }
}
