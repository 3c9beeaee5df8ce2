using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Federation.Common;
using k8s.Autorest;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Cluster;

/// <summary>
/// API server failures as <see cref="FederationException"/>s with one line that says what was asked and why it failed:
/// 401/403 PermissionDenied, 404 NotFound, 409 AlreadyExists (a conflict on update: Aborted), 422 InvalidArgument naming
/// the field, 410 Gone (an expired resourceVersion) Aborted, refused connections and timeouts Unavailable.
/// </summary>
public static class KubeApiErrors
{
    /// <summary>Runs one API call; its failure becomes a FederationException about <paramref name="what"/>.</summary>
    public static async Task<T> CallAsync<T>(string cluster, string what, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (Translate(cluster, what, e, ct) is { } mapped)
        {
            throw mapped;
        }
    }

    public static async Task CallAsync(string cluster, string what, Func<Task> call, CancellationToken ct) =>
        await CallAsync<bool>(cluster, what, async () => { await call(); return true; }, ct);

    /// <summary>The HTTP status of an API failure, or null when it is not one.</summary>
    public static HttpStatusCode? StatusOf(Exception e) => e switch
    {
        HttpOperationException http => http.Response?.StatusCode,
        k8s.KubernetesException { Status.Code: { } code } => (HttpStatusCode)code,
        _ => null,
    };

    public static bool IsNotFound(Exception e) => StatusOf(e) == HttpStatusCode.NotFound || e is FederationException { Error: FederationError.NotFound };
    public static bool IsConflict(Exception e) => StatusOf(e) == HttpStatusCode.Conflict || e is FederationException { Error: FederationError.AlreadyExists };
    public static bool IsGone(Exception e) => StatusOf(e) == HttpStatusCode.Gone;

    /// <summary>The FederationException for an API failure; null for what is no API failure (a cancellation by the caller, a bug).</summary>
    public static FederationException? Translate(string cluster, string what, Exception e, CancellationToken ct)
    {
        if (e is FederationException federation) return federation;
        if (ct.IsCancellationRequested && e is OperationCanceledException) return null;
        var where = $"Kubernetes API of cluster '{cluster}'";
        var status = StatusOf(e);
        if (status is { } code)
        {
            var message = MessageOf(e);
            var line = ErrorMappingInterceptor.OneLine($"{what}: {where} answered {(int)code}{(message.Length > 0 ? $": {message}" : "")}");
            return code switch
            {
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new FederationException(FederationError.PermissionDenied, line, e),
                HttpStatusCode.NotFound => new FederationException(FederationError.NotFound, line, e),
                HttpStatusCode.Conflict => new FederationException(FederationError.AlreadyExists, line, e),
                HttpStatusCode.Gone => new FederationException(FederationError.Aborted, line, e),
                HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest => new FederationException(FederationError.InvalidArgument, line, e),
                HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.InternalServerError
                    => FederationException.Unavailable(line, e),
                _ => new FederationException(FederationError.Internal, line, e),
            };
        }
        return e switch
        {
            HttpRequestException { InnerException: SocketException socket } => FederationException.Unavailable(
                ErrorMappingInterceptor.OneLine($"{what}: {where} is unreachable: {socket.SocketErrorCode switch { SocketError.ConnectionRefused => "connection refused", _ => socket.Message }}"), e),
            HttpRequestException http => FederationException.Unavailable(ErrorMappingInterceptor.OneLine($"{what}: {where} is unreachable: {http.Message}"), e),
            OperationCanceledException or TimeoutException => FederationException.Unavailable(ErrorMappingInterceptor.OneLine($"{what}: {where} did not answer in time"), e),
            IOException io => FederationException.Unavailable(ErrorMappingInterceptor.OneLine($"{what}: {where} broke the connection: {io.Message}"), e),
            _ => null,
        };
    }

    /// <summary>What the API server said: the Status message, and for a 422 the fields it names ("spec.containers[0].image: Required value").</summary>
    private static string MessageOf(Exception e)
    {
        var status = e switch
        {
            k8s.KubernetesException k => k.Status,
            HttpOperationException { Response.Content: { Length: > 0 } content } => TryStatus(content),
            _ => null,
        };
        if (status is null) return e is HttpOperationException { Response.Content: { Length: > 0 } raw } ? raw : "";
        var causes = status.Details?.Causes?.Where(c => !string.IsNullOrEmpty(c.Field)).Select(c => $"{c.Field}: {c.Message}").ToList() ?? [];
        return causes.Count > 0 && !(status.Message ?? "").Contains(causes[0], StringComparison.Ordinal)
            ? $"{status.Message} ({string.Join("; ", causes)})"
            : status.Message ?? "";
    }

    private static V1Status? TryStatus(string content)
    {
        try
        {
            return k8s.KubernetesJson.Deserialize<V1Status>(content);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
