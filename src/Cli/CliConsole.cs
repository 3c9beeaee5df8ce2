namespace Federation.Cli;

/// <summary>Where fedctl writes, and whether it may draw live progress (tests pass their own writers).</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool IsTerminal)
{
    public static CliConsole System => new(Console.Out, Console.Error, !Console.IsOutputRedirected);
}
