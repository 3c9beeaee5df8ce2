using System.Text.Json.Nodes;
using Federation.Tests.Kube.Http;
using Federation.Tests.Kube.Resources;

namespace Federation.Tests.Kube.Selectors;

/// <summary>
/// A field selector (<c>metadata.name=x,spec.nodeName!=y</c>) over the fields the kind supports; any other field
/// is a 400 BadRequest "field label not supported", as on the real server.
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(Func<JsonObject, string?> Read, bool Equal, string Value)> terms;

    private FieldSelector(List<(Func<JsonObject, string?>, bool, string)> terms) => this.terms = terms;

    public static readonly FieldSelector Everything = new([]);

    /// <summary>The name the selector pins with metadata.name=, if any.</summary>
    public string? Name { get; private init; }

    public bool Matches(JsonObject item) => terms.All(t => (t.Read(item) == t.Value) == t.Equal);

    public static FieldSelector Parse(string? text, ResourceKind kind)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var terms = new List<(Func<JsonObject, string?>, bool, string)>();
        string? name = null;
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            var equal = !term.Contains("!=", StringComparison.Ordinal);
            var pieces = equal
                ? term.Split(term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2)
                : term.Split("!=", 2);
            if (pieces.Length != 2)
            {
                throw KubeStatusException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }
            var field = pieces[0].Trim();
            var value = pieces[1].Trim();
            Func<JsonObject, string?> read = field switch
            {
                "metadata.name" => o => o["metadata"]?["name"]?.GetValue<string>(),
                "metadata.namespace" when kind.Namespaced => o => o["metadata"]?["namespace"]?.GetValue<string>(),
                _ when kind.Strategy.SelectableFields.TryGetValue(field, out var reader) => reader,
                _ => throw KubeStatusException.BadRequest($"field label not supported: {field}"),
            };
            if (field == "metadata.name" && equal)
            {
                name = value;
            }
            terms.Add((read, equal, value));
        }
        return new FieldSelector(terms) { Name = name };
    }
}
