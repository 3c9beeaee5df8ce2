using System.Diagnostics;

namespace Federation.MigrationBench;

/// <summary>What a finished command printed.</summary>
public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public string OneLineError => (Stderr.Trim().Length > 0 ? Stderr : Stdout).Trim().ReplaceLineEndings(" | ");
}

/// <summary>Runs external commands (docker, nsenter, tc, rsync) with a time bound each.</summary>
public static class Shell
{
    public static async Task<ShellResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new BenchException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (ct.IsCancellationRequested) throw;
            throw new BenchException($"{file} {string.Join(' ', info.ArgumentList)} did not finish within {timeout.TotalSeconds:F0} s");
        }
        return new ShellResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the command and returns its trimmed stdout; a non-zero exit is a <see cref="BenchException"/> with what it printed.</summary>
    public static async Task<string> CheckedAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var list = arguments.ToList();
        var result = await RunAsync(file, list, timeout, ct);
        if (result.ExitCode != 0)
            throw new BenchException($"{file} {string.Join(' ', list.Take(6))} exited with {result.ExitCode}: {Shorten(result.OneLineError)}");
        return result.Stdout.Trim();
    }

    public static Task<string> DockerAsync(CancellationToken ct, params string[] arguments) => CheckedAsync("docker", arguments, TimeSpan.FromMinutes(5), ct);

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "...";
}
