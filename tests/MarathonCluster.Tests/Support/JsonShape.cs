using System.Text.Json;
using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon.Tests;

/// <summary>Compares two JSON documents by shape: the same field names with the same JSON types, recursively (array items against the expected first item).</summary>
public static class JsonShape
{
    /// <param name="mayAdd">Fields the actual document may have beyond the expected ones (by path, e.g. "/tasks"); null: none.</param>
    /// <param name="maps">Paths of objects whose keys are data (env, labels): only their values' types are compared with each other.</param>
    public static List<string> Differences(JsonNode? expected, JsonNode? actual, Func<string, bool>? mayAdd = null, ISet<string>? maps = null, string path = "")
    {
        var differences = new List<string>();
        Compare(expected, actual, path, mayAdd ?? (_ => false), maps ?? new HashSet<string>(), differences);
        return differences;
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, Func<string, bool> mayAdd, ISet<string> maps, List<string> differences)
    {
        var e = Kind(expected);
        var a = Kind(actual);
        // The fixture's null stands for "no value": any type may answer it.
        if (e == "null") return;
        if (e != a)
        {
            differences.Add($"{(path.Length == 0 ? "/" : path)}: expected {e}, got {a}");
            return;
        }
        switch (expected)
        {
            case JsonObject eo when actual is JsonObject ao:
                if (maps.Contains(path))
                {
                    foreach (var (name, value) in ao) Compare(eo.FirstOrDefault().Value ?? value, value, $"{path}/{name}", mayAdd, maps, differences);
                    return;
                }
                foreach (var (name, value) in eo)
                {
                    if (!ao.ContainsKey(name)) differences.Add($"{path}/{name}: missing");
                    else Compare(value, ao[name], $"{path}/{name}", mayAdd, maps, differences);
                }
                foreach (var (name, _) in ao)
                    if (!eo.ContainsKey(name) && !mayAdd($"{path}/{name}")) differences.Add($"{path}/{name}: not in the fixture");
                return;
            case JsonArray ea when actual is JsonArray aa:
                if (ea.Count == 0) return;
                for (var i = 0; i < aa.Count; i++) Compare(ea[0], aa[i], $"{path}[]", mayAdd, maps, differences);
                return;
        }
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
    };
}
