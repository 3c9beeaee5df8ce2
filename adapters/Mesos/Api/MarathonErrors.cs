using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Federation.Common;

namespace Federation.Adapters.Mesos.Api;

/// <summary>
/// Marathon's failures as <see cref="FederationException"/>s, each one line that says what was asked, of which cluster, the
/// status and Marathon's own message: 401/403 PermissionDenied, 404 NotFound, 409 AlreadyExists (an app that exists) or
/// Aborted (locked by a deployment, when waiting did not free it), 400/422 InvalidArgument naming the members from
/// <c>details[].path</c>, 429 and 5xx Unavailable; refused connections and timeouts Unavailable.
/// </summary>
public static class MarathonErrors
{
    /// <summary>Marathon's error body, or an empty one when the answer is not JSON of that shape.</summary>
    public static MarathonErrorBody ParseBody(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return new MarathonErrorBody();
        try
        {
            return JsonSerializer.Deserialize<MarathonErrorBody>(body, MarathonJson.Options) ?? new MarathonErrorBody();
        }
        catch (JsonException)
        {
            return new MarathonErrorBody { Message = body };
        }
    }

    /// <summary>The deployments a 409 names as holding the app (empty: the 409 is of another kind, e.g. the app exists).</summary>
    public static IReadOnlyList<string> LockingDeployments(MarathonErrorBody body) =>
        body.Deployments?.Select(d => d.Id).Where(id => id.Length > 0).ToList() ?? [];

    /// <summary>The exception for an answer of status <paramref name="status"/>.</summary>
    public static FederationException FromStatus(string cluster, string what, HttpStatusCode status, MarathonErrorBody body)
    {
        var code = (int)status;
        var message = Reason(body);
        var line = ErrorMappingInterceptor.OneLine($"{what}: Marathon of cluster '{cluster}' answered {code}{(message.Length > 0 ? $": {message}" : "")}");
        return status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new FederationException(FederationError.PermissionDenied, line),
            HttpStatusCode.NotFound => new FederationException(FederationError.NotFound, line),
            HttpStatusCode.Conflict when LockingDeployments(body).Count > 0 => new FederationException(FederationError.Aborted, line),
            HttpStatusCode.Conflict => new FederationException(FederationError.AlreadyExists, line),
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => new FederationException(FederationError.InvalidArgument, line),
            HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => new FederationException(FederationError.Unavailable, line),
            _ => new FederationException(FederationError.Internal, line),
        };
    }

    /// <summary>The exception for a request that got no answer (refused, reset, timed out); null for what is no such failure.</summary>
    public static FederationException? FromTransport(string cluster, Uri marathon, string what, Exception e, CancellationToken ct)
    {
        if (e is FederationException federation) return federation;
        if (ct.IsCancellationRequested && e is OperationCanceledException) return null;
        var where = $"Marathon of cluster '{cluster}' at {marathon.GetLeftPart(UriPartial.Authority)}";
        return e switch
        {
            OperationCanceledException => FederationException.Unavailable(ErrorMappingInterceptor.OneLine($"{what}: {where} did not answer in time"), e),
            HttpRequestException { InnerException: SocketException socket } =>
                FederationException.Unavailable(ErrorMappingInterceptor.OneLine($"{what}: {where} is unreachable: {socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound => "host not found",
                    _ => socket.Message,
                }}"), e),
            HttpRequestException or IOException => FederationException.Unavailable(ErrorMappingInterceptor.OneLine($"{what}: {where} is unreachable: {e.Message}"), e),
            _ => null,
        };
    }

    /// <summary>Marathon's message and, for an invalid definition, each member it names with its errors.</summary>
    private static string Reason(MarathonErrorBody body)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(body.Message)) parts.Add(body.Message.Trim().TrimEnd('.'));
        foreach (var detail in body.Details ?? [])
        {
            var errors = string.Join(", ", (detail.Errors ?? []).Where(e => !string.IsNullOrWhiteSpace(e)));
            parts.Add($"{(string.IsNullOrEmpty(detail.Path) ? "/" : detail.Path)}{(errors.Length > 0 ? $" {errors}" : "")}");
        }
        return string.Join("; ", parts);
    }
}
