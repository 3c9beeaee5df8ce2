using System.Text.Json.Nodes;
using Federation.Tests.Kube.Resources;

namespace Federation.Tests.Kube.Http;

/// <summary>The legacy (unaggregated) discovery documents and /version, as kubectl and client libraries read them.</summary>
public sealed class DiscoveryDocuments(ResourceCatalog catalog, FlavorProfile profile)
{
    public JsonObject Version()
    {
        var parts = profile.GitVersion.TrimStart('v').Split('.', '+');
        return new JsonObject
        {
            ["major"] = parts[0],
            ["minor"] = parts[1],
            ["gitVersion"] = profile.GitVersion,
            ["gitCommit"] = profile.GitCommit,
            ["gitTreeState"] = "clean",
            ["buildDate"] = profile.BuildDate,
            ["goVersion"] = profile.GoVersion,
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject Groups()
    {
        var groups = new JsonArray();
        foreach (var (group, version) in catalog.Groups)
        {
            var groupVersion = new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
            groups.Add(new JsonObject
            {
                ["name"] = group,
                ["versions"] = new JsonArray(groupVersion),
                ["preferredVersion"] = groupVersion.DeepClone(),
            });
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public JsonObject? Group(string group)
    {
        var version = catalog.Groups.Where(g => g.Group == group).Select(g => g.Version).FirstOrDefault();
        if (version is null)
        {
            return null;
        }
        var groupVersion = new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(groupVersion),
            ["preferredVersion"] = groupVersion.DeepClone(),
        };
    }

    /// <summary>The APIResourceList of one group version, subresources included; null when not served.</summary>
    public JsonObject? Resources(string group, string version)
    {
        var kinds = catalog.All.Where(k => k.Group == group && k.Version == version).OrderBy(k => k.Plural, StringComparer.Ordinal).ToList();
        if (kinds.Count == 0)
        {
            return null;
        }
        var resources = new JsonArray();
        foreach (var kind in kinds)
        {
            var resource = new JsonObject
            {
                ["name"] = kind.Plural,
                ["singularName"] = kind.Singular,
                ["namespaced"] = kind.Namespaced,
                ["kind"] = kind.Kind,
                ["verbs"] = new JsonArray(kind.Verbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (kind.ShortNames.Length > 0)
            {
                resource["shortNames"] = new JsonArray(kind.ShortNames.Select(s => (JsonNode)s).ToArray());
            }
            if (kind.Categories.Length > 0)
            {
                resource["categories"] = new JsonArray(kind.Categories.Select(s => (JsonNode)s).ToArray());
            }
            resource["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(kind.GroupResource)))[..11];
            resources.Add(resource);
            if (kind.HasStatus)
            {
                resources.Add(Subresource(kind, "status", kind.Kind, null, null, ["get", "patch", "update"]));
            }
            if (kind.HasScale)
            {
                resources.Add(Subresource(kind, "scale", "Scale", "autoscaling", "v1", ["get", "patch", "update"]));
            }
            if (kind.Plural == "pods" && group.Length == 0)
            {
                resources.Add(Subresource(kind, "binding", "Binding", null, null, ["create"]));
                resources.Add(Subresource(kind, "log", "Pod", null, null, ["get"]));
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject Subresource(ResourceKind kind, string name, string subKind, string? group, string? version, string[] verbs)
    {
        var resource = new JsonObject
        {
            ["name"] = $"{kind.Plural}/{name}",
            ["singularName"] = "",
            ["namespaced"] = kind.Namespaced,
        };
        if (group is not null)
        {
            resource["group"] = group;
            resource["version"] = version;
        }
        resource["kind"] = subKind;
        resource["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)v).ToArray());
        return resource;
    }
}
