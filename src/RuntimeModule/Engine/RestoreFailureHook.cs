namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Test hook: makes the restore of one container of a workload of several fail, wherever the checkpoint is restored.
/// A test writes the container's name into <c>&lt;state&gt;/test-hooks/fail-restore-&lt;app&gt;</c> of the SOURCE runtime; the
/// app's next final checkpoint carries it (<see cref="FileName"/> in the checkpoint directory, with the source Engine's host
/// name), and a restorer on another runtime that finds it refuses to start that container, as a restore that fails there
/// would; the source itself can still restore the checkpoint (a rollback). Nothing happens without the file.
/// </summary>
public sealed class RestoreFailureHook(RuntimeModuleOptions options)
{
    public const string FileName = "federation-test-fail-restore";

    /// <summary>Where a test asks for the failure, on the source runtime's state volume.</summary>
    public static string RequestPath(string stateDirectory, string app) => Path.Combine(stateDirectory, "test-hooks", $"fail-restore-{app}");

    /// <summary>Carries a requested failure into a final checkpoint of the app.</summary>
    public async Task CarryAsync(string app, string checkpointDirectory, CancellationToken ct)
    {
        var request = RequestPath(options.StateDirectory, app);
        if (!File.Exists(request)) return;
        var container = (await File.ReadAllTextAsync(request, ct)).Trim();
        await File.WriteAllTextAsync(Path.Combine(checkpointDirectory, FileName), $"{container}\n{Environment.MachineName}\n", ct);
    }

    /// <summary>The container whose restore the checkpoint asks to fail here (null when none, or when this is its source).</summary>
    public static async Task<string?> ReadAsync(string checkpointDirectory, CancellationToken ct)
    {
        var path = Path.Combine(checkpointDirectory, FileName);
        if (!File.Exists(path)) return null;
        var lines = (await File.ReadAllTextAsync(path, ct)).Split('\n', StringSplitOptions.TrimEntries);
        return lines.Length > 1 && lines[1] == Environment.MachineName ? null : lines[0];
    }
}
