using System.Text.Json.Nodes;

namespace Federation.Mesos.Tests;

/// <summary>
/// The documented Marathon payloads: the repository's copy in tests/MarathonApi/Fixtures (found upwards from the test's directory),
/// else shared/fixtures/marathon, or FEDERATION_FIXTURES.
/// </summary>
public static class Fixtures
{
    public static string Directory { get; } = Find();

    public static string Text(string name) => File.ReadAllText(Path.Combine(Directory, name));

    public static JsonNode Json(string name) => JsonNode.Parse(Text(name))!;

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("FEDERATION_FIXTURES") is { Length: > 0 } given) return Path.Combine(given, "marathon");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "tests", "MarathonApi", "Fixtures"), Path.Combine(dir.FullName, "shared", "fixtures", "marathon") })
            {
                if (File.Exists(Path.Combine(candidate, "app.json"))) return Path.GetFullPath(candidate);
            }
        }
        throw new InvalidOperationException("tests/MarathonApi/Fixtures (or shared/fixtures/marathon) not found above the test directory; set FEDERATION_FIXTURES");
    }
}
