using System.Text.Json.Nodes;
using Federation.Tests.Kube.Resources;

namespace Federation.Tests.Kube.Http;

/// <summary>
/// OpenAPI v3 as far as kubectl reads it: the root lists one document per group version, and each document has,
/// for every kind, its paths with the x-kubernetes-group-version-kind extension and the fieldValidation query
/// parameter on PATCH, so kubectl sees that the server validates fields (it then sends fieldValidation=Strict
/// instead of validating with a downloaded schema). Schemas are not served.
/// </summary>
public sealed class OpenApiDocuments(ResourceCatalog catalog, FlavorProfile profile)
{
    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var (group, version) in catalog.All.Select(k => (k.Group, k.Version)).Distinct())
        {
            var key = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash(key)}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document of "api/v1" or "apis/apps/v1"; null when not served.</summary>
    public JsonObject? GroupVersion(string key)
    {
        var parts = key.Trim('/').Split('/');
        var (group, version) = parts switch
        {
            ["api", var v] => ("", v),
            ["apis", var g, var v] => (g, v),
            _ => (null, null),
        };
        var kinds = catalog.All.Where(k => k.Group == group && k.Version == version).ToList();
        if (kinds.Count == 0)
        {
            return null;
        }
        var paths = new JsonObject();
        foreach (var kind in kinds)
        {
            var prefix = group!.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var collection = kind.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{kind.Plural}" : $"{prefix}/{kind.Plural}";
            paths[collection] = new JsonObject
            {
                ["get"] = Operation(kind, "list"),
                ["post"] = Operation(kind, "post"),
            };
            paths[$"{collection}/{{name}}"] = new JsonObject
            {
                ["get"] = Operation(kind, "get"),
                ["put"] = Operation(kind, "put"),
                ["patch"] = Operation(kind, "patch"),
                ["delete"] = Operation(kind, "delete"),
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = profile.GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Operation(ResourceKind kind, string action)
    {
        var parameters = new JsonArray();
        if (action is "post" or "put" or "patch")
        {
            parameters.Add(new JsonObject
            {
                ["name"] = "fieldValidation",
                ["in"] = "query",
                ["description"] = "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.",
                ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
            });
            parameters.Add(new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
            parameters.Add(new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }
        return new JsonObject
        {
            ["operationId"] = $"{action}{kind.Kind}",
            ["parameters"] = parameters,
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = kind.Group, ["kind"] = kind.Kind, ["version"] = kind.Version },
        };
    }

    private static string Hash(string key) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..32];
}
