using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Federation.Tests.Kube.Faults;
using Federation.Tests.Kube.Resources;
using Federation.Tests.Kube.Selectors;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube.Http;

/// <summary>
/// The HTTP face of the server: authentication, the fault hooks, the request log, discovery and OpenAPI, and the
/// REST verbs of every resource mapped onto <see cref="RestOperations"/>. Every refusal is a v1.Status body.
/// </summary>
public sealed partial class KubeApiEndpoint(
    RestOperations operations,
    DiscoveryDocuments discovery,
    OpenApiDocuments openApi,
    WatchStreamer watches,
    FaultInjector faults,
    KubeApiServerOptions options,
    ILogger<KubeApiEndpoint> logger)
{
    private const int MaxBodyBytes = 3 * 1024 * 1024;
    private static readonly string[] PublicPaths = ["/version", "/version/", "/healthz", "/livez", "/readyz"];
    private readonly List<RecordedRequest> requests = [];
    private readonly Lock requestsGate = new();

    public CancellationToken Stopping { get; set; }

    /// <summary>What answers <c>pods/log</c>; without one the server answers as if no node had reported the pod's containers.</summary>
    public PodLogSource? PodLogs { get; set; }

    /// <summary>The resource metrics API (metrics.k8s.io); null: not served, as in a cluster without metrics-server.</summary>
    public Metrics.MetricsApi? Metrics { get; set; }

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (requestsGate)
            {
                return [.. requests];
            }
        }
    }

    public async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var path = request.Path.Value ?? "/";
        string? body = null;
        var verb = request.Method;
        try
        {
            body = await ReadBodyAsync(request, http.RequestAborted).ConfigureAwait(false);
            if (PublicPaths.Contains(path))
            {
                await (path.StartsWith("/version", StringComparison.Ordinal)
                    ? WriteJsonAsync(http, 200, discovery.Version())
                    : WriteTextAsync(http, "ok")).ConfigureAwait(false);
                return;
            }
            if (options.BearerToken is { } token && request.Headers.Authorization.ToString() != $"Bearer {token}")
            {
                throw KubeStatusException.Unauthorized();
            }
            if (Metrics?.Answer(path, request.Method, request.Query["labelSelector"]) is { } metrics)
            {
                await WriteJsonAsync(http, metrics.Code, metrics.Body).ConfigureAwait(false);
                return;
            }
            if (await TryNonResourceAsync(http, path).ConfigureAwait(false))
            {
                return;
            }
            var target = ApiTarget.Parse(path, operations.Catalog)
                ?? throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject());
            var watch = request.Query["watch"] is var w && (w == "true" || w == "1");
            verb = target.VerbFor(request.Method, watch);
            if (faults.TakeFailure(verb, target) is { } failure)
            {
                if (verb == "watch" && failure.Code == 410)
                {
                    http.Response.StatusCode = 200;
                    http.Response.ContentType = "application/json";
                    var line = new JsonObject { ["type"] = "ERROR", ["object"] = KubeStatusException.Expired("too old resource version: injected").ToStatus() }.ToJsonString() + "\n";
                    await http.Response.WriteAsync(line, http.RequestAborted).ConfigureAwait(false);
                    return;
                }
                throw failure;
            }
            if (await faults.HangIfPlannedAsync(verb, target, http.RequestAborted).ConfigureAwait(false))
            {
                throw FaultInjector.Failure(504, verb, target);
            }
            await DispatchAsync(http, target, verb, body).ConfigureAwait(false);
        }
        catch (KubeStatusException refused)
        {
            await WriteStatusAsync(http, refused).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception unexpected)
        {
            LogUnexpected(logger, request.Method, path, unexpected);
            await WriteStatusAsync(http, KubeStatusException.Internal(unexpected.Message)).ConfigureAwait(false);
        }
        finally
        {
            lock (requestsGate)
            {
                requests.Add(new RecordedRequest(verb, request.Method, path + request.QueryString, body, http.Response.StatusCode, request.ContentType));
            }
        }
    }

    private async Task DispatchAsync(HttpContext http, ApiTarget target, string verb, string? body)
    {
        var request = http.Request;
        var kind = target.Kind;
        var ns = target.Namespace ?? "";
        if (target.Subresource is { } sub)
        {
            await SubresourceAsync(http, target, verb, body, sub).ConfigureAwait(false);
            return;
        }
        switch (verb)
        {
            case "get":
            {
                var item = operations.Get(kind, ns, target.Name!);
                await WriteObjectsAsync(http, kind, item).ConfigureAwait(false);
                return;
            }
            case "list":
            {
                var labels = LabelSelector.Parse(request.Query["labelSelector"]);
                var fields = FieldSelector.Parse(request.Query["fieldSelector"], kind);
                var (items, revision) = operations.Store.List(kind, target.Namespace);
                var matching = items.Where(i => labels.Matches(LabelsOf(i)) && fields.Matches(i)).ToList();
                if (TablePrinter.Wanted(request.Headers.Accept))
                {
                    await WriteJsonAsync(http, 200, TablePrinter.Print(kind, matching, revision, request.Query["includeObject"])).ConfigureAwait(false);
                    return;
                }
                await WriteJsonAsync(http, 200, ListOf(kind, matching, revision)).ConfigureAwait(false);
                return;
            }
            case "watch":
            {
                var labels = LabelSelector.Parse(request.Query["labelSelector"]);
                var fields = FieldSelector.Parse(request.Query["fieldSelector"], kind);
                if (target.Name is { } single)
                {
                    fields = FieldSelector.Parse($"metadata.name={single}" + (request.Query["fieldSelector"].ToString() is { Length: > 0 } more ? "," + more : ""), kind);
                }
                await watches.StreamAsync(http, target, labels, fields, Stopping).ConfigureAwait(false);
                return;
            }
            case "create":
            {
                if (target.Name is not null)
                {
                    throw KubeStatusException.MethodNotAllowed();
                }
                var write = WriteOptions.From(request.Query);
                var created = await operations.CreateAsync(kind, ns, ParseBody(kind, body), write, http.RequestAborted).ConfigureAwait(false);
                AddWarnings(http, write);
                await WriteJsonAsync(http, 201, created).ConfigureAwait(false);
                return;
            }
            case "update":
            {
                var write = WriteOptions.From(request.Query);
                var updated = await operations.UpdateAsync(kind, ns, target.Name!, null, ParseBody(kind, body), write, http.RequestAborted).ConfigureAwait(false);
                AddWarnings(http, write);
                await WriteJsonAsync(http, 200, updated).ConfigureAwait(false);
                return;
            }
            case "patch":
            {
                var write = WriteOptions.From(request.Query);
                var patched = await operations.PatchAsync(kind, ns, target.Name!, null, request.ContentType ?? "", body ?? "", write, http.RequestAborted).ConfigureAwait(false);
                AddWarnings(http, write);
                await WriteJsonAsync(http, 200, patched).ConfigureAwait(false);
                return;
            }
            case "delete":
            {
                var deletion = ParseDeleteOptions(body);
                var dryRun = request.Query["dryRun"] == "All" || deletion?.DryRun?.Contains("All") == true;
                var deleted = operations.Delete(kind, ns, target.Name!, deletion, GracePeriodQuery(request), dryRun);
                var gone = deleted["metadata"]?["deletionTimestamp"] is null;
                var answer = kind.ReturnsDeletedObject || !gone
                    ? deleted
                    : StatusBodies.Success(target.Name!, kind.Group, kind.Plural, deleted["metadata"]?["uid"]?.GetValue<string>());
                await WriteJsonAsync(http, 200, answer).ConfigureAwait(false);
                return;
            }
            case "deletecollection":
            {
                var labels = LabelSelector.Parse(request.Query["labelSelector"]);
                var fields = FieldSelector.Parse(request.Query["fieldSelector"], kind);
                var deletion = ParseDeleteOptions(body);
                var dryRun = request.Query["dryRun"] == "All";
                var deleted = operations.DeleteCollection(kind, target.Namespace, i => labels.Matches(LabelsOf(i)) && fields.Matches(i), deletion, GracePeriodQuery(request), dryRun);
                await WriteJsonAsync(http, 200, ListOf(kind, deleted, operations.Store.Revision)).ConfigureAwait(false);
                return;
            }
            default:
                throw KubeStatusException.MethodNotAllowed();
        }
    }

    private async Task SubresourceAsync(HttpContext http, ApiTarget target, string verb, string? body, string sub)
    {
        var kind = target.Kind;
        var ns = target.Namespace ?? "";
        var name = target.Name ?? throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject());
        var request = http.Request;
        switch (sub, verb)
        {
            case ("status", "get"):
                await WriteJsonAsync(http, 200, operations.Get(kind, ns, name)).ConfigureAwait(false);
                return;
            case ("status", "update") when kind.HasStatus:
            {
                var write = WriteOptions.From(request.Query);
                var updated = await operations.UpdateAsync(kind, ns, name, "status", ParseBody(kind, body), write, http.RequestAborted).ConfigureAwait(false);
                AddWarnings(http, write);
                await WriteJsonAsync(http, 200, updated).ConfigureAwait(false);
                return;
            }
            case ("status", "patch") when kind.HasStatus:
            {
                var write = WriteOptions.From(request.Query);
                var patched = await operations.PatchAsync(kind, ns, name, "status", request.ContentType ?? "", body ?? "", write, http.RequestAborted).ConfigureAwait(false);
                AddWarnings(http, write);
                await WriteJsonAsync(http, 200, patched).ConfigureAwait(false);
                return;
            }
            case ("scale", "get") when kind.HasScale:
                await WriteJsonAsync(http, 200, ScaleOf(operations.Get(kind, ns, name))).ConfigureAwait(false);
                return;
            case ("scale", "update" or "patch") when kind.HasScale:
            {
                var current = ScaleOf(operations.Get(kind, ns, name));
                JsonNode? wanted;
                try
                {
                    wanted = verb == "update" ? JsonNode.Parse(body ?? "") : (request.ContentType ?? "").StartsWith("application/json-patch+json", StringComparison.Ordinal)
                        ? Patching.JsonPatch.Apply(current, JsonNode.Parse(body ?? "")!.AsArray())
                        : Patching.JsonMergePatch.Apply(current, JsonNode.Parse(body ?? ""));
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException or Patching.JsonPatchException or FormatException)
                {
                    throw KubeStatusException.BadRequest($"Scale in version \"v1\" cannot be handled as a Scale: {e.Message}");
                }
                if (wanted?["spec"]?["replicas"] is not JsonValue replicasValue || !replicasValue.TryGetValue<int>(out var replicas))
                {
                    throw KubeStatusException.BadRequest("Scale in version \"v1\" cannot be handled as a Scale: spec.replicas must be an integer");
                }
                if (replicas < 0)
                {
                    throw new KubeStatusException(422, "Invalid", $"Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0");
                }
                var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } };
                if (wanted["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } version)
                {
                    patch["metadata"] = new JsonObject { ["resourceVersion"] = version };
                }
                var updated = await operations.PatchAsync(kind, ns, name, null, "application/merge-patch+json", patch.ToJsonString(), WriteOptions.From(request.Query), http.RequestAborted).ConfigureAwait(false);
                await WriteJsonAsync(http, 200, ScaleOf(updated)).ConfigureAwait(false);
                return;
            }
            case ("log", "get") when kind.Plural == "pods" && kind.Group.Length == 0:
                await WriteTextAsync(http, await PodLogAsync(kind, ns, name, request.Query["container"].ToString(), http.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case ("binding", "create") when kind.Plural == "pods" && kind.Group.Length == 0:
                await WriteJsonAsync(http, 201, operations.Bind(kind, ns, name, ParseBody(kind, body))).ConfigureAwait(false);
                return;
            default:
                throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject());
        }
    }

    /// <summary>A pod's container output, refused as the real server refuses it (no such pod, no container named, not started).</summary>
    private async Task<string> PodLogAsync(ResourceKind kind, string ns, string name, string container, CancellationToken cancellationToken)
    {
        var pod = operations.Get(kind, ns, name);
        var containers = pod["spec"]?["containers"]?.AsArray().Select(c => c?["name"]?.GetValue<string>() ?? "").ToList() ?? [];
        if (container.Length == 0)
        {
            if (containers.Count != 1)
                throw KubeStatusException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]");
            container = containers[0];
        }
        else if (!containers.Contains(container))
        {
            throw KubeStatusException.BadRequest($"container {container} is not valid for pod {name}");
        }
        var output = PodLogs is null ? null : await PodLogs(ns, name, container, cancellationToken).ConfigureAwait(false);
        return output ?? throw KubeStatusException.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating");
    }

    private async Task<bool> TryNonResourceAsync(HttpContext http, string path)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed == "/openapi/v2")
        {
            var (contentType, bytes) = openApi.V2(http.Request.Headers.Accept);
            http.Response.StatusCode = 200;
            http.Response.ContentType = contentType;
            await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
            return true;
        }
        JsonObject? document = trimmed switch
        {
            "/api" => discovery.CoreVersions($"{http.Request.Host}"),
            "/api/v1" => discovery.Resources("", "v1"),
            "/apis" => WithMetricsGroup(discovery.Groups()),
            "/openapi/v3" => openApi.Root(),
            _ when trimmed.StartsWith("/openapi/v3/", StringComparison.Ordinal) => openApi.GroupVersion(trimmed["/openapi/v3/".Length..])
                ?? throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject()),
            _ => null,
        };
        if (document is null)
        {
            var segments = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries);
            document = segments switch
            {
                ["apis", var group] => discovery.Group(group),
                ["apis", var group, var version] => discovery.Resources(group, version),
                _ => null,
            };
            if (document is null && segments is ["apis", _] or ["apis", _, _])
            {
                throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject());
            }
        }
        if (document is null)
        {
            return false;
        }
        await WriteJsonAsync(http, 200, document).ConfigureAwait(false);
        return true;
    }

    private JsonObject WithMetricsGroup(JsonObject groups)
    {
        if (Metrics is not null) groups["groups"]!.AsArray().Add(Kube.Metrics.MetricsApi.GroupEntry());
        return groups;
    }

    private static JsonObject ScaleOf(JsonObject item)
    {
        var selector = item["spec"]?["selector"]?["matchLabels"]?.AsObject();
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = item["metadata"]?["name"]?.DeepClone(),
                ["namespace"] = item["metadata"]?["namespace"]?.DeepClone(),
                ["uid"] = item["metadata"]?["uid"]?.DeepClone(),
                ["resourceVersion"] = item["metadata"]?["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = item["metadata"]?["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = item["spec"]?["replicas"]?.DeepClone() ?? 1 },
            ["status"] = new JsonObject
            {
                ["replicas"] = item["status"]?["replicas"]?.DeepClone() ?? 0,
                ["selector"] = selector is null ? "" : string.Join(",", selector.Select(kv => $"{kv.Key}={kv.Value}")),
            },
        };
    }

    private async Task WriteObjectsAsync(HttpContext http, ResourceKind kind, JsonObject item)
    {
        if (TablePrinter.Wanted(http.Request.Headers.Accept))
        {
            await WriteJsonAsync(http, 200, TablePrinter.Print(kind, [item], operations.Store.Revision, http.Request.Query["includeObject"])).ConfigureAwait(false);
            return;
        }
        await WriteJsonAsync(http, 200, item).ConfigureAwait(false);
    }

    private static JsonObject ListOf(ResourceKind kind, IEnumerable<JsonObject> items, long revision)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            var copy = item.DeepClone().AsObject();
            copy.Remove("kind");
            copy.Remove("apiVersion");
            array.Add(copy);
        }
        return new JsonObject
        {
            ["kind"] = kind.ListKind,
            ["apiVersion"] = kind.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) },
            ["items"] = array,
        };
    }

    private static Dictionary<string, string> LabelsOf(JsonObject item) =>
        (item["metadata"]?["labels"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "");

    private static JsonNode? ParseBody(ResourceKind kind, string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            throw KubeStatusException.BadRequest($"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: unexpected end of JSON input");
        }
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw KubeStatusException.BadRequest($"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: json parse error: {e.Message}");
        }
    }

    private static V1DeleteOptions? ParseDeleteOptions(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }
        try
        {
            return KubernetesJson.Deserialize<V1DeleteOptions>(body);
        }
        catch (JsonException e)
        {
            throw KubeStatusException.BadRequest($"DeleteOptions in version \"v1\" cannot be handled as a DeleteOptions: {e.Message}");
        }
    }

    private static long? GracePeriodQuery(HttpRequest request) =>
        long.TryParse(request.Query["gracePeriodSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var grace) ? grace : null;

    private static void AddWarnings(HttpContext http, WriteOptions write)
    {
        foreach (var warning in write.Warnings)
        {
            http.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }
    }

    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Method is "GET" or "HEAD")
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                throw new KubeStatusException(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
            }
        }
        return buffer.Length == 0 ? null : Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static async Task WriteStatusAsync(HttpContext http, KubeStatusException refused)
    {
        if (http.Response.HasStarted)
        {
            return;
        }
        await WriteJsonAsync(http, refused.Code, refused.ToStatus()).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpContext http, int code, JsonNode body)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteTextAsync(HttpContext http, string text)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text, http.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "mock kube-apiserver: {Method} {Path} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string method, string path, Exception exception);
}
