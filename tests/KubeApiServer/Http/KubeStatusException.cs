using System.Text.Json.Nodes;
using Federation.Tests.Kube.Resources;
using Federation.Tests.Kube.Validation;

namespace Federation.Tests.Kube.Http;

/// <summary>A request the API server refuses, carried to the handler as a <c>v1.Status</c> body with the real reason and code.</summary>
public sealed class KubeStatusException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => StatusBodies.Failure(Code, Reason, Message, Details?.DeepClone().AsObject());

    public static KubeStatusException NotFound(string groupResource, string name, string? group = null) =>
        new(404, "NotFound", $"{groupResource} \"{name}\" not found", DetailsOf(name, group, KindOf(groupResource)));

    public static KubeStatusException AlreadyExists(ResourceKind kind, string name) =>
        new(409, "AlreadyExists", $"{kind.GroupResource} \"{name}\" already exists", DetailsOf(name, kind.Group, kind.Plural));

    public static KubeStatusException Conflict(ResourceKind kind, string name, string why = "the object has been modified; please apply your changes to the latest version and try again") =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {kind.GroupResource} \"{name}\": {why}", DetailsOf(name, kind.Group, kind.Plural));

    public static KubeStatusException Invalid(ResourceKind kind, string name, IReadOnlyList<FieldCause> causes)
    {
        var details = DetailsOf(name, kind.Group, kind.Kind);
        details["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = c.Reason,
            ["message"] = c.Message,
            ["field"] = c.Field,
        }).ToArray());
        var list = causes.Count == 1 ? causes[0].ToString() : $"[{string.Join(", ", causes)}]";
        var qualifiedKind = kind.Group.Length == 0 ? kind.Kind : $"{kind.Kind}.{kind.Group}";
        return new(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {list}", details);
    }

    public static KubeStatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static KubeStatusException Forbidden(string message, JsonObject? details = null) => new(403, "Forbidden", message, details);

    public static KubeStatusException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static KubeStatusException MethodNotAllowed() => new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    public static KubeStatusException Expired(string message) => new(410, "Expired", message);

    public static KubeStatusException Internal(string message) =>
        new(500, "InternalError", $"Internal error occurred: {message}", new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });

    public static KubeStatusException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got \"{contentType}\")");

    private static string KindOf(string groupResource)
    {
        var dot = groupResource.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? groupResource : groupResource[..dot];
    }

    private static JsonObject DetailsOf(string name, string? group, string kind)
    {
        var details = new JsonObject { ["name"] = name };
        if (!string.IsNullOrEmpty(group))
        {
            details["group"] = group;
        }
        details["kind"] = kind;
        return details;
    }
}
