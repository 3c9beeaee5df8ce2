using Federation.Common;

namespace Federation.Cli.Output;

/// <summary>
/// Plain, aligned columns (kubectl style): readable on a terminal and easy to cut in scripts. Cells come from servers
/// and configs: their control characters are shown as escapes (<see cref="Names.Printable"/>).
/// </summary>
public static class Table
{
    public static async Task WriteAsync(TextWriter writer, IReadOnlyList<string> headers, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { headers.ToArray() };
        all.AddRange(rows.Select(row => row.Select(cell => Names.Printable(cell)).ToArray()));
        var widths = Enumerable.Range(0, headers.Count).Select(i => all.Max(r => i < r.Length ? r[i].Length : 0)).ToArray();
        foreach (var row in all)
            await writer.WriteLineAsync(string.Join("   ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
    }
}
