using System.Text.Json.Nodes;
using Federation.Tests.Harness;
using Federation.Tests.Kube.Http;

namespace Federation.Tests.Kube.Faults;

/// <summary>
/// Test hooks that make requests fail: the next request matching a verb and resource answers a given status
/// with a real-shaped Status body, or hangs until released, the client gives up, or a bound passes.
/// </summary>
public sealed class FaultInjector
{
    private readonly PlannedFaults<(string Verb, ApiTarget Target)> planned = new((plannedVerb, plannedResource, request) =>
        (plannedVerb == "*" || plannedVerb == request.Verb)
        && (plannedResource == "*" || plannedResource == request.Target.Resource || plannedResource == request.Target.Kind.GroupResource));

    public void FailNext(string verb, string resource, int statusCode) => planned.FailNext(verb, resource, statusCode);

    public void Hang(string verb, string resource, TimeSpan limit) => planned.Hang(verb, resource, limit);

    /// <summary>Ends every hanging request (they answer 504).</summary>
    public void ReleaseHangs() => planned.ReleaseHangs();

    /// <summary>The failure planned for this request, if any (consumed).</summary>
    public KubeStatusException? TakeFailure(string verb, ApiTarget target) =>
        planned.TakeFailure((verb, target)) is { } code ? Failure(code, verb, target) : null;

    /// <summary>Waits when a hang is planned for this request; returns false when none was.</summary>
    public Task<bool> HangIfPlannedAsync(string verb, ApiTarget target, CancellationToken requestAborted) =>
        planned.HangIfPlannedAsync((verb, target), requestAborted);

    /// <summary>The Status the real server answers with for this code.</summary>
    public static KubeStatusException Failure(int code, string verb, ApiTarget target)
    {
        var kind = target.Kind;
        var name = target.Name ?? "";
        return code switch
        {
            400 => KubeStatusException.BadRequest("the server rejected our request for an unknown reason"),
            401 => KubeStatusException.Unauthorized(),
            403 => KubeStatusException.Forbidden(
                $"{kind.GroupResource}{(name.Length > 0 ? $" \"{name}\"" : "")} is forbidden: User \"system:serviceaccount:federation:coordinator\" cannot {verb} resource \"{target.Resource}\" in API group \"{kind.Group}\"{(target.Namespace is { } ns ? $" in the namespace \"{ns}\"" : " at the cluster scope")}",
                new JsonObject { ["name"] = name, ["group"] = kind.Group, ["kind"] = kind.Plural }),
            404 => KubeStatusException.NotFound(kind.GroupResource, name.Length > 0 ? name : target.Namespace ?? "", kind.Group),
            405 => KubeStatusException.MethodNotAllowed(),
            409 when verb == "create" => KubeStatusException.AlreadyExists(kind, name.Length > 0 ? name : "object"),
            409 => KubeStatusException.Conflict(kind, name),
            410 => KubeStatusException.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."),
            422 => KubeStatusException.Invalid(kind, name, [Validation.FieldCause.Invalid("metadata.name", name, "injected validation failure")]),
            429 => new KubeStatusException(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later", new JsonObject { ["retryAfterSeconds"] = 1 }),
            500 => KubeStatusException.Internal("injected server failure"),
            503 => new KubeStatusException(503, "ServiceUnavailable", "the server is currently unable to handle the request"),
            504 => new KubeStatusException(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded"),
            _ => new KubeStatusException(code, "Unknown", $"the server responded with the status code {code} but did not return more information"),
        };
    }
}
