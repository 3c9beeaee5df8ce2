using System.Text.Json.Nodes;
using Federation.Tests.Kube.Http;

namespace Federation.Tests.Kube.Faults;

/// <summary>
/// Test hooks that make requests fail: the next request matching a verb and resource answers a given status
/// with a real-shaped Status body, or hangs until released, the client gives up, or a bound passes.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock gate = new();
    private readonly List<(string Verb, string Resource, int Code)> failures = [];
    private readonly List<(string Verb, string Resource, TimeSpan Limit)> hangs = [];
    private CancellationTokenSource release = new();

    public void FailNext(string verb, string resource, int statusCode)
    {
        lock (gate)
        {
            failures.Add((verb, resource, statusCode));
        }
    }

    public void Hang(string verb, string resource, TimeSpan limit)
    {
        lock (gate)
        {
            hangs.Add((verb, resource, limit));
        }
    }

    /// <summary>Ends every hanging request (they answer 504).</summary>
    public void ReleaseHangs()
    {
        CancellationTokenSource old;
        lock (gate)
        {
            old = release;
            release = new CancellationTokenSource();
        }
        old.Cancel();
        old.Dispose();
    }

    /// <summary>The failure planned for this request, if any (consumed).</summary>
    public KubeStatusException? TakeFailure(string verb, ApiTarget target)
    {
        lock (gate)
        {
            var index = failures.FindIndex(f => Matches(f.Verb, f.Resource, verb, target));
            if (index < 0)
            {
                return null;
            }
            var code = failures[index].Code;
            failures.RemoveAt(index);
            return Failure(code, verb, target);
        }
    }

    /// <summary>Waits when a hang is planned for this request; returns false when none was.</summary>
    public async Task<bool> HangIfPlannedAsync(string verb, ApiTarget target, CancellationToken requestAborted)
    {
        TimeSpan limit;
        CancellationToken released;
        lock (gate)
        {
            var index = hangs.FindIndex(h => Matches(h.Verb, h.Resource, verb, target));
            if (index < 0)
            {
                return false;
            }
            limit = hangs[index].Limit;
            hangs.RemoveAt(index);
            released = release.Token;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, released);
        linked.CancelAfter(limit);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return true;
    }

    private static bool Matches(string plannedVerb, string plannedResource, string verb, ApiTarget target) =>
        (plannedVerb == "*" || plannedVerb == verb) && (plannedResource == "*" || plannedResource == target.Resource || plannedResource == target.Kind.GroupResource);

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
