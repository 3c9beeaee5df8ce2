using System.Text.Json.Nodes;

namespace Federation.Tests.Kube.Patching;

/// <summary>RFC 6902 JSON patch (application/json-patch+json): add, remove, replace, move, copy, test.</summary>
public static class JsonPatch
{
    /// <summary>Applies the operations in order; a failing one throws <see cref="JsonPatchException"/> (the server answers 422).</summary>
    public static JsonNode? Apply(JsonNode target, JsonArray operations)
    {
        var document = target.DeepClone();
        foreach (var operationNode in operations)
        {
            if (operationNode is not JsonObject operation)
            {
                throw new FormatException("a JSON patch operation must be an object");
            }
            var op = operation["op"]?.GetValue<string>() ?? throw new FormatException("JSON patch operation without \"op\"");
            var path = operation["path"]?.GetValue<string>() ?? throw new FormatException($"JSON patch operation \"{op}\" without \"path\"");
            switch (op)
            {
                case "add":
                    document = Add(document, path, Value(operation, op));
                    break;
                case "remove":
                    document = Remove(document, path, out _);
                    break;
                case "replace":
                    document = Remove(document, path, out _);
                    document = Add(document, path, Value(operation, op));
                    break;
                case "move":
                {
                    var from = operation["from"]?.GetValue<string>() ?? throw new FormatException("move without \"from\"");
                    document = Remove(document, from, out var moved);
                    document = Add(document, path, moved);
                    break;
                }
                case "copy":
                {
                    var from = operation["from"]?.GetValue<string>() ?? throw new FormatException("copy without \"from\"");
                    document = Add(document, path, Find(document, from)?.DeepClone());
                    break;
                }
                case "test":
                    if (!JsonNode.DeepEquals(Find(document, path), Value(operation, op)))
                    {
                        throw new JsonPatchException("testing value " + path + " failed: test failed");
                    }
                    break;
                default:
                    throw new FormatException($"Unexpected kind: {op}");
            }
        }
        return document;
    }

    private static JsonNode? Value(JsonObject operation, string op) =>
        operation.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw new FormatException($"{op} operation does not apply: doc is missing value");

    private static string[] Split(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }
        if (!path.StartsWith('/'))
        {
            throw new JsonPatchException($"JSON pointer \"{path}\" must start with '/'");
        }
        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static JsonNode? Find(JsonNode? document, string path)
    {
        var node = document;
        foreach (var token in Split(path))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, out var index) && index >= 0 && index < a.Count => a[index],
                _ => throw new JsonPatchException($"jsonpatch: path {path} not found"),
            };
        }
        return node;
    }

    private static JsonNode? Add(JsonNode? document, string path, JsonNode? value)
    {
        var tokens = Split(path);
        if (tokens.Length == 0)
        {
            return value;
        }
        var parent = Find(document, "/" + string.Join("/", tokens[..^1].Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var index) && index >= 0 && index <= a.Count:
                a.Insert(index, value);
                break;
            default:
                throw new JsonPatchException($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }
        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string path, out JsonNode? removed)
    {
        var tokens = Split(path);
        var parent = Find(document, tokens.Length <= 1 ? "" : "/" + string.Join("/", tokens[..^1].Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var child):
                removed = child?.DeepClone();
                o.Remove(last);
                return document;
            case JsonArray a when int.TryParse(last, out var index) && index >= 0 && index < a.Count:
                removed = a[index]?.DeepClone();
                a.RemoveAt(index);
                return document;
            default:
                throw new JsonPatchException($"remove operation does not apply: doc is missing path: \"{path}\": missing value");
        }
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
