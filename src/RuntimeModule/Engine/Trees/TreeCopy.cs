using System.Diagnostics;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// A tree copied across file systems with everything a restore needs kept: GNU <c>cp -a</c> (owners, modes, mtimes, hard
/// links within the copy, symlinks, device nodes such as overlay whiteouts, xattrs such as the opaque-directory mark).
/// Used only where a rename cannot reach (a runtime whose checkpoints and Docker data root are on different mounts).
/// </summary>
public static class TreeCopy
{
    /// <summary>Longest a copy may take; a tree that needs longer fails the restore with that reason.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public static async Task CopyChildrenAsync(string from, string to, CancellationToken ct)
    {
        var start = new ProcessStartInfo("cp") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-a", "--", from.TrimEnd('/') + "/.", to }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new IOException("cp could not be started");
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(Limit);
        var errors = process.StandardError.ReadToEndAsync(bounded.Token);
        try
        {
            await process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new IOException($"copying '{from}' to '{to}' took longer than {Limit.TotalMinutes:F0} minutes");
        }
        if (process.ExitCode != 0)
            throw new IOException($"copying '{from}' to '{to}' failed: {(await errors).Trim().Split('\n')[0]}");
    }
}
