namespace Federation.Cli;

/// <summary>A failure fedctl reports as one line with an exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
