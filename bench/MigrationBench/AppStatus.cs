using System.Globalization;

namespace Federation.MigrationBench;

/// <summary>One reply line of the test app (images/testapp/testapp.c): counter, seed, checksum and, for VERIFY, verify=ok|bad.</summary>
public sealed record AppStatus(ulong Counter, string Seed, IReadOnlyDictionary<string, string> Fields)
{
    public string? Verify => Fields.GetValueOrDefault("verify");

    public static AppStatus Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2))
            .Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!fields.TryGetValue("counter", out var counter) || !fields.TryGetValue("seed", out var seed))
            throw new FormatException("not a test app status line: " + line);
        return new AppStatus(ulong.Parse(counter, CultureInfo.InvariantCulture), seed, fields);
    }
}
