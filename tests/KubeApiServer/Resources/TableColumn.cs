using System.Globalization;
using System.Text.Json.Nodes;

namespace Federation.Tests.Kube.Resources;

/// <summary>A column of the server-side printing (meta.k8s.io/v1 Table) kubectl asks for.</summary>
public sealed record TableColumn(string Name, string Type, string Format, int Priority, Func<JsonObject, JsonNode?> Cell)
{
    public static readonly TableColumn NameColumn = new("Name", "string", "name", 0, o => o["metadata"]?["name"]?.GetValue<string>());

    public static readonly TableColumn AgeColumn = new("Age", "string", "", 0, o => Age(o["metadata"]?["creationTimestamp"]?.GetValue<string>()));

    public static TableColumn Text(string name, Func<JsonObject, string?> cell, int priority = 0) =>
        new(name, "string", "", priority, o => cell(o) ?? "<none>");

    public static TableColumn Integer(string name, Func<JsonObject, long> cell, int priority = 0) =>
        new(name, "integer", "", priority, o => cell(o));

    /// <summary>The age as kubectl shows it (45s, 3m12s, 5h, 2d).</summary>
    public static string Age(string? timestamp)
    {
        if (timestamp is null || !DateTime.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created))
        {
            return "<unknown>";
        }
        var age = DateTime.UtcNow - created;
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }
        return age.TotalSeconds < 120 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 10 ? $"{(int)age.TotalMinutes}m{age.Seconds}s"
            : age.TotalHours < 3 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}
