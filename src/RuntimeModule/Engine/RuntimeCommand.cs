using System.Diagnostics;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// A command running in the runtime's namespaces (<see cref="RuntimeProcesses.StartInRuntime"/>): its process, and its end
/// (exit code and output, stderr first), after which the process is disposed.
/// </summary>
public sealed class RuntimeCommand(Process process)
{
    public Process Process { get; } = process;

    /// <summary>Completes when the command ended, with its exit code and its output, stderr first, trimmed.</summary>
    public Task<(int ExitCode, string Output)> Exited { get; } = WaitAsync(process);

    /// <summary>Kills the command and everything it started, unless it already ended.</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited (and disposed) meanwhile.
        }
    }

    private static async Task<(int, string)> WaitAsync(Process process)
    {
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            await process.WaitForExitAsync(CancellationToken.None);
            return (process.ExitCode, ((await stderr) + (await stdout)).Trim());
        }
    }
}
