using System.Globalization;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// Test hook: stops an app's page tunnel at the source once it has carried a number of bytes to the destination, as a
/// source that dies in the middle of a post-copy move would look from the destination. A test writes into
/// <c>&lt;state&gt;/test-hooks/break-page-tunnel-&lt;app&gt;</c> of the SOURCE runtime either the number (the tunnel breaks
/// there) or <c>pause &lt;number&gt;</c>: the tunnel then holds still there, says so in <see cref="PausedPath"/>, and goes on
/// once the test deletes the request (bounded: 2 minutes), so that the test can kill the source runtime at a known point.
/// Nothing happens without the file.
/// </summary>
public sealed class PageTunnelBreakHook(RuntimeModuleOptions options)
{
    private static readonly TimeSpan PauseLimit = TimeSpan.FromMinutes(2);

    public static string RequestPath(string stateDirectory, string app) => Path.Combine(stateDirectory, "test-hooks", $"break-page-tunnel-{app}");

    /// <summary>Written while a paused tunnel holds still.</summary>
    public static string PausedPath(string stateDirectory, string app) => Path.Combine(stateDirectory, "test-hooks", $"page-tunnel-paused-{app}");

    /// <summary>What a test asked for the app's tunnel: the bytes after which it breaks or pauses; null when nothing.</summary>
    public (ulong Bytes, bool Pause)? RequestOf(string app)
    {
        var path = RequestPath(options.StateDirectory, app);
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path).Trim();
        var pause = text.StartsWith("pause ", StringComparison.Ordinal);
        return ulong.TryParse(pause ? text["pause ".Length..] : text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? (bytes, pause) : null;
    }

    /// <summary>Holds still until the test deletes its request, saying so meanwhile.</summary>
    public async Task PauseAsync(string app, CancellationToken ct)
    {
        var paused = PausedPath(options.StateDirectory, app);
        await File.WriteAllTextAsync(paused, "paused\n", ct);
        try
        {
            var deadline = DateTime.UtcNow + PauseLimit;
            while (File.Exists(RequestPath(options.StateDirectory, app)) && DateTime.UtcNow < deadline) await Task.Delay(50, ct);
        }
        finally
        {
            File.Delete(paused);
        }
    }
}
