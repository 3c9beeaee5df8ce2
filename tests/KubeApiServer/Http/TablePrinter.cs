using System.Globalization;
using System.Text.Json.Nodes;
using Federation.Tests.Kube.Resources;

namespace Federation.Tests.Kube.Http;

/// <summary>Server-side printing: a meta.k8s.io/v1 Table of objects, as kubectl get asks for with Accept ...;as=Table.</summary>
public static class TablePrinter
{
    public static bool Wanted(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Print(ResourceKind kind, IEnumerable<JsonObject> items, long revision, string? includeObject)
    {
        var columns = kind.Strategy.Columns;
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject
            {
                ["cells"] = new JsonArray(columns.Select(c => c.Cell(item)?.DeepClone()).ToArray()),
            };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = item.DeepClone();
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = item["metadata"]?.DeepClone(),
                    };
                    break;
            }
            rows.Add(row);
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) },
            ["columnDefinitions"] = new JsonArray(columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Name,
                ["priority"] = c.Priority,
            }).ToArray()),
            ["rows"] = rows,
        };
    }
}
