using System.Globalization;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// Test hook: breaks an app's page tunnel at the source once it has carried a number of bytes to the destination, as a
/// source that dies in the middle of a post-copy move would. A test writes the number into
/// <c>&lt;state&gt;/test-hooks/break-page-tunnel-&lt;app&gt;</c> of the SOURCE runtime. Nothing happens without the file.
/// </summary>
public sealed class PageTunnelBreakHook(RuntimeModuleOptions options)
{
    public static string RequestPath(string stateDirectory, string app) => Path.Combine(stateDirectory, "test-hooks", $"break-page-tunnel-{app}");

    /// <summary>The bytes after which the app's tunnel breaks, or null when no test asked.</summary>
    public ulong? LimitOf(string app)
    {
        var path = RequestPath(options.StateDirectory, app);
        return File.Exists(path) && ulong.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;
    }
}
