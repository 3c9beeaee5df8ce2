using Federation.Tests.Kube.Resources;

namespace Federation.Tests.Kube.Http;

/// <summary>
/// A resource URL taken apart: /api/v1/namespaces/{ns}/pods/{name}/status, /apis/apps/v1/deployments, ...
/// <see cref="Namespace"/> is null for a cluster-scoped kind or an all-namespaces collection.
/// </summary>
public sealed record ApiTarget(ResourceKind Kind, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>The verb of the request as RBAC and the fault hooks name it (get, list, watch, create, update, patch, delete, deletecollection).</summary>
    public string VerbFor(string method, bool watch) => (method, Name) switch
    {
        ("GET", null) => watch ? "watch" : "list",
        ("GET", _) => watch ? "watch" : "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", null) => "deletecollection",
        ("DELETE", _) => "delete",
        _ => method.ToLowerInvariant(),
    };

    /// <summary>"pods" or "pods/status".</summary>
    public string Resource => Subresource is null ? Kind.Plural : $"{Kind.Plural}/{Subresource}";

    /// <summary>Parses a path; null when it names no served resource.</summary>
    public static ApiTarget? Parse(string path, ResourceCatalog catalog)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group;
        string version;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return null;
        }
        var tail = segments[rest..];
        string? ns = null;
        if (tail.Length >= 3 && tail[0] == "namespaces")
        {
            ns = tail[1];
            tail = tail[2..];
        }
        else if (tail.Length is 2 or 3 && tail[0] == "namespaces" && group.Length == 0)
        {
            var namespaces = catalog.Find("", version, "namespaces");
            return namespaces is null ? null : new ApiTarget(namespaces, null, tail[1], tail.Length == 3 ? tail[2] : null);
        }
        if (tail.Length is 0 or > 3)
        {
            return null;
        }
        var kind = catalog.Find(group, version, tail[0]);
        if (kind is null || (ns is not null && !kind.Namespaced))
        {
            return null;
        }
        return new ApiTarget(kind, kind.Namespaced ? ns : null, tail.Length > 1 ? tail[1] : null, tail.Length > 2 ? tail[2] : null);
    }
}
