using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon.Http;

/// <summary>An answer other than success: the status code and the JSON body Marathon sends with it.</summary>
public sealed class MarathonApiException(int statusCode, JsonObject body) : Exception(body["message"]?.GetValue<string>() ?? $"HTTP {statusCode}")
{
    public int StatusCode { get; } = statusCode;

    public JsonObject Body { get; } = body;

    public static MarathonApiException WithMessage(int statusCode, string message) => new(statusCode, new JsonObject { ["message"] = message });

    public static MarathonApiException AppNotFound(string appId) => WithMessage(404, $"App '{appId}' does not exist");

    public static MarathonApiException AppExists(string appId) => WithMessage(409, $"An app with id [{appId}] already exists.");

    /// <summary>A change to an app a running deployment holds (Marathon's AppLockedException).</summary>
    public static MarathonApiException Locked(IEnumerable<string> deploymentIds)
    {
        var ids = deploymentIds.ToList();
        return new MarathonApiException(409, new JsonObject
        {
            ["message"] = $"App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
            ["deployments"] = new JsonArray(ids.Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray()),
        });
    }

    /// <summary>422: the definition breaks a rule (Marathon's Accord validation).</summary>
    public static MarathonApiException Invalid(IEnumerable<(string Path, string Error)> errors) => Details(422, "Object is not valid", errors);

    /// <summary>422: a field has the wrong JSON type (Play JSON's reads: "error.expected.jsnumber" ...).</summary>
    public static MarathonApiException InvalidJson(IEnumerable<(string Path, string Error)> errors) => Details(422, "Invalid JSON", errors);

    private static MarathonApiException Details(int code, string message, IEnumerable<(string Path, string Error)> errors) =>
        new(code, new JsonObject
        {
            ["message"] = message,
            ["details"] = new JsonArray(errors.GroupBy(e => e.Path)
                .Select(g => (JsonNode)new JsonObject { ["path"] = g.Key, ["errors"] = new JsonArray(g.Select(e => (JsonNode)JsonValue.Create(e.Error)!).ToArray()) })
                .ToArray()),
        });
}
