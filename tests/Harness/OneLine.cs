namespace Federation.Tests.Harness;

/// <summary>Multi-line messages (Docker's errors often are) as one line, for logs and one-line errors.</summary>
public static class OneLine
{
    public static string Of(string text) => string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
