using System.Text.Json;
using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon.Validation;

/// <summary>The JSON type a field of Marathon's app definition has (its RAML model), checked the way Play JSON reads it.</summary>
public abstract record FieldType
{
    public static readonly FieldType Text = new Scalar(JsonValueKind.String, "error.expected.jsstring");
    public static readonly FieldType Num = new Scalar(JsonValueKind.Number, "error.expected.jsnumber");
    public static readonly FieldType Int = new IntegerType();
    public static readonly FieldType Bool = new Scalar(JsonValueKind.True, "error.expected.jsboolean");

    public static FieldType Object(params (string Name, FieldType Type)[] fields) => new ObjectType(fields.ToDictionary(f => f.Name, f => f.Type));

    public static FieldType MapOf(FieldType values) => new MapType(values);

    public static FieldType ArrayOf(FieldType items) => new ArrayType(items);

    public static FieldType OneOf(params FieldType[] choices) => new OneOfType(choices);

    /// <summary>Adds "path: error" pairs for what in <paramref name="node"/> does not fit; null is accepted as "not given".</summary>
    public abstract void Check(JsonNode? node, string path, List<(string Path, string Error)> errors, bool strict);

    public sealed record Scalar(JsonValueKind Kind, string Expected) : FieldType
    {
        public override void Check(JsonNode? node, string path, List<(string Path, string Error)> errors, bool strict)
        {
            if (node is null) return;
            var kind = node.GetValueKind();
            var fits = Kind == JsonValueKind.True ? kind is JsonValueKind.True or JsonValueKind.False : kind == Kind;
            if (!fits) errors.Add((path, Expected));
        }
    }

    public sealed record IntegerType : FieldType
    {
        public override void Check(JsonNode? node, string path, List<(string Path, string Error)> errors, bool strict)
        {
            if (node is null) return;
            if (node.GetValueKind() != JsonValueKind.Number) errors.Add((path, "error.expected.jsnumber"));
            else if (!node.AsValue().TryGetValue<long>(out _)) errors.Add((path, "error.expected.int"));
        }
    }

    public sealed record ObjectType(IReadOnlyDictionary<string, FieldType> Fields) : FieldType
    {
        public override void Check(JsonNode? node, string path, List<(string Path, string Error)> errors, bool strict)
        {
            if (node is null) return;
            if (node is not JsonObject obj)
            {
                errors.Add((path, "error.expected.jsobject"));
                return;
            }
            foreach (var (name, value) in obj)
            {
                var at = $"{path}/{name}";
                if (Fields.TryGetValue(name, out var type)) type.Check(value, at, errors, strict);
                else if (strict) errors.Add((at, $"Unknown field '{name}': not a property of Marathon's model here"));
            }
        }
    }

    public sealed record MapType(FieldType Values) : FieldType
    {
        public override void Check(JsonNode? node, string path, List<(string Path, string Error)> errors, bool strict)
        {
            if (node is null) return;
            if (node is not JsonObject obj)
            {
                errors.Add((path, "error.expected.jsobject"));
                return;
            }
            foreach (var (name, value) in obj) Values.Check(value, $"{path}/{name}", errors, strict);
        }
    }

    public sealed record ArrayType(FieldType Items) : FieldType
    {
        public override void Check(JsonNode? node, string path, List<(string Path, string Error)> errors, bool strict)
        {
            if (node is null) return;
            if (node is not JsonArray array)
            {
                errors.Add((path, "error.expected.jsarray"));
                return;
            }
            for (var i = 0; i < array.Count; i++) Items.Check(array[i], $"{path}({i})", errors, strict);
        }
    }

    public sealed record OneOfType(IReadOnlyList<FieldType> Choices) : FieldType
    {
        public override void Check(JsonNode? node, string path, List<(string Path, string Error)> errors, bool strict)
        {
            if (node is null) return;
            List<(string, string)>? first = null;
            foreach (var choice in Choices)
            {
                var found = new List<(string, string)>();
                choice.Check(node, path, found, strict);
                if (found.Count == 0) return;
                first ??= found;
            }
            errors.AddRange(first ?? []);
        }
    }
}
