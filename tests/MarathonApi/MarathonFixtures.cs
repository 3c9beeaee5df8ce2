using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon;

/// <summary>The documented example payloads of Marathon's v2 API (Fixtures/*.json, embedded): what the mock's answers are shaped like.</summary>
public static class MarathonFixtures
{
    public static readonly IReadOnlyList<string> Names = ["app.json", "app_tasks.json", "deployments_result.json", "info.json"];

    /// <summary>The fixture's text.</summary>
    public static string Text(string name)
    {
        using var stream = typeof(MarathonFixtures).Assembly.GetManifestResourceStream($"Fixtures.{name}")
            ?? throw new ArgumentException($"no Marathon fixture named {name}", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The fixture parsed (a fresh copy each time).</summary>
    public static JsonObject Json(string name) =>
        JsonNode.Parse(Text(name)) as JsonObject ?? throw new InvalidOperationException($"fixture {name} is not a JSON object");
}
