using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Federation.Tests.Harness;
using Federation.Tests.Marathon.Faults;
using Federation.Tests.Marathon.State;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Marathon.Http;

/// <summary>
/// The v2 REST paths of Marathon over <see cref="MarathonState"/>: routing, credentials, fault hooks and the request log.
/// Every failure answers Marathon's JSON body (<c>{"message": ...}</c>), never a stack trace.
/// </summary>
public sealed partial class MarathonEndpoint(MarathonState state, FaultInjector faults, MockMarathonOptions options, ILogger<MarathonEndpoint> logger)
{
    private const int MaxBody = 4 * 1024 * 1024;
    private readonly ConcurrentQueue<RecordedRequest> requests = new();

    public IReadOnlyList<RecordedRequest> Requests => requests.ToArray();

    /// <summary>host:port the server listens on (for <c>/v2/info</c>'s leader).</summary>
    public string Leader { get; set; } = "127.0.0.1:8080";

    /// <summary>The Mesos master and agent this mock also answers for (<c>/master/slaves</c>, <c>/monitor/statistics</c>).</summary>
    public Mesos.MesosAgentState Mesos { get; } = new();

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var pathAndQuery = path + request.QueryString.Value;
        string? body = null;
        int status;
        string text;
        var contentType = "application/json; charset=utf-8";
        try
        {
            body = await ReadBodyAsync(request, context.RequestAborted);
            if (await faults.HangIfPlannedAsync(request.Method, pathAndQuery, context.RequestAborted))
                throw MarathonApiException.WithMessage(503, "Request timed out in the mock's hang hook");
            if (!Authenticated(request))
            {
                context.Response.Headers.WWWAuthenticate = options.Username is not null ? "Basic realm=\"Marathon\"" : "token=\"Marathon\"";
                throw MarathonApiException.WithMessage(401, "Not Authenticated!");
            }
            if (faults.TakeFailure(request.Method, pathAndQuery) is { } failure)
            {
                (status, text, contentType) = failure;
            }
            else
            {
                (status, var answer) = Route(request.Method, path, request.Query, body);
                text = answer switch
                {
                    null => "",
                    string plain => plain,
                    JsonNode node => node.ToJsonString(),
                    _ => throw new InvalidOperationException("unexpected answer type"),
                };
                if (answer is string) contentType = "text/plain; charset=utf-8";
                if (answer is null) contentType = "";
            }
        }
        catch (MarathonApiException e)
        {
            status = e.StatusCode;
            text = e.Body.ToJsonString();
        }
        catch (JsonException e)
        {
            status = 400;
            text = new JsonObject { ["message"] = $"Invalid JSON: {OneLine.Of(e.Message)}" }.ToJsonString();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, request.Method, pathAndQuery, OneLine.Of(e.Message));
            status = 500;
            text = new JsonObject { ["message"] = OneLine.Of(e.Message) }.ToJsonString();
        }
        requests.Enqueue(new RecordedRequest(request.Method, pathAndQuery, body, status));
        context.Response.StatusCode = status;
        if (contentType.Length > 0) context.Response.ContentType = contentType;
        if (text.Length > 0) await context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted);
    }

    private (int Status, object? Answer) Route(string method, string path, IQueryCollection query, string? body)
    {
        var force = query["force"] == "true";
        switch (method, path)
        {
            case ("GET", "/ping"):
                return (200, "pong");
            case ("GET", "/v2/info"):
                return (200, Info());
            case ("GET", "/master/slaves"):
                return (200, Mesos.Slaves(Leader));
            case ("GET", "/monitor/statistics" or "/monitor/statistics.json"):
                return (200, Mesos.Statistics());
            case ("GET", "/v2/apps" or "/v2/apps/"):
                return (200, new JsonObject { ["apps"] = ListApps(query) });
            case ("POST", "/v2/apps" or "/v2/apps/"):
            {
                var (app, deployment) = state.Create(ParseObject(body));
                var json = state.AppJson(app, embedTasks: false);
                json["deployments"] = new JsonArray(new JsonObject { ["id"] = deployment.Id });
                return (201, json);
            }
            case ("GET", "/v2/deployments" or "/v2/deployments/"):
                return (200, new JsonArray(state.Deployments().Select(d => (JsonNode)MarathonJson.Deployment(d)).ToArray()));
            case ("GET", "/v2/queue" or "/v2/queue/"):
                return (200, new JsonObject { ["queue"] = state.Queue() });
            case ("GET", "/v2/tasks" or "/v2/tasks/"):
                return (200, TaskList(state.Tasks()));
        }
        if (path.StartsWith("/v2/deployments/", StringComparison.Ordinal) && method == "DELETE")
        {
            var rollback = state.Cancel(path["/v2/deployments/".Length..].TrimEnd('/'), force);
            return rollback is null ? (202, null) : (200, MarathonJson.DeploymentResult(rollback));
        }
        if (path.StartsWith("/v2/queue/", StringComparison.Ordinal) && path.EndsWith("/delay", StringComparison.Ordinal) && method == "DELETE")
        {
            state.ResetDelay(path["/v2/queue".Length..^"/delay".Length]);
            return (204, null);
        }
        if (path.StartsWith("/v2/apps/", StringComparison.Ordinal)) return RouteApp(method, path["/v2/apps".Length..], query, body, force);
        throw MarathonApiException.WithMessage(404, $"The requested resource {path} could not be found");
    }

    private (int, object?) RouteApp(string method, string rest, IQueryCollection query, string? body, bool force)
    {
        var tasksAt = rest.IndexOf("/tasks", StringComparison.Ordinal);
        if (tasksAt > 0 && (rest.Length == tasksAt + 6 || rest[tasksAt + 6] == '/'))
        {
            var appId = rest[..tasksAt];
            var taskId = rest[(tasksAt + 6)..].Trim('/');
            var scale = query["scale"] == "true";
            switch (method, taskId.Length)
            {
                case ("GET", 0):
                    return (200, TaskList(state.Tasks(state.App(appId).Id)));
                case ("DELETE", 0):
                {
                    var (killed, deployment) = state.KillTasks(appId, query["host"].FirstOrDefault(), scale, force);
                    return (200, deployment is not null ? MarathonJson.DeploymentResult(deployment) : TaskList(killed));
                }
                case ("DELETE", _):
                {
                    var (task, deployment) = state.KillTask(appId, taskId, scale, force);
                    return (200, deployment is not null ? MarathonJson.DeploymentResult(deployment) : new JsonObject { ["task"] = MarathonJson.Task(task) });
                }
            }
            throw MarathonApiException.WithMessage(405, $"HTTP {method} is not supported on {rest}");
        }
        if (rest.EndsWith("/restart", StringComparison.Ordinal) && method == "POST")
            return (200, MarathonJson.DeploymentResult(state.Restart(rest[..^"/restart".Length], force)));
        switch (method)
        {
            case "GET":
            {
                var app = state.App(rest);
                return (200, new JsonObject { ["app"] = state.AppJson(app, embedTasks: true) });
            }
            case "PUT":
            {
                var (deployment, created) = state.Update(rest, ParseObject(body), force);
                return (created ? 201 : 200, MarathonJson.DeploymentResult(deployment));
            }
            case "DELETE":
                return (200, MarathonJson.DeploymentResult(state.Delete(rest, force)));
        }
        throw MarathonApiException.WithMessage(405, $"HTTP {method} is not supported on /v2/apps{rest}");
    }

    private JsonArray ListApps(IQueryCollection query)
    {
        var embed = string.Join(',', query["embed"].Select(v => v ?? ""));
        var selector = LabelSelector.Parse(query["label"].FirstOrDefault());
        var idFilter = query["id"].FirstOrDefault();
        var apps = new JsonArray();
        foreach (var app in state.Apps())
        {
            if (!selector.Matches(app.Spec.Labels)) continue;
            if (idFilter is not null && !app.Id.Contains(idFilter, StringComparison.Ordinal)) continue;
            apps.Add(state.AppJson(app, embedTasks: embed.Contains("apps.tasks", StringComparison.Ordinal)));
        }
        return apps;
    }

    private static JsonObject TaskList(IEnumerable<MarathonTask> tasks) =>
        new() { ["tasks"] = new JsonArray(tasks.Select(t => (JsonNode)MarathonJson.Task(t)).ToArray()) };

    private JsonObject Info()
    {
        var info = MarathonFixtures.Json("info.json");
        if (options.Version is { } version) info["version"] = version;
        info["leader"] = Leader;
        info["marathon_config"]!["hostname"] = "127.0.0.1";
        info["marathon_config"]!["master"] = Leader;
        info["frameworkId"] = Mesos.FrameworkId;
        info["http_config"]!["http_port"] = int.Parse(Leader[(Leader.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return info;
    }

    private bool Authenticated(HttpRequest request)
    {
        if (!options.RequiresCredentials) return true;
        var header = request.Headers.Authorization.FirstOrDefault() ?? "";
        if (options.Token is { } token && header == $"token={token}") return true;
        if (options.Username is { } user && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                return pair == $"{user}:{options.Password}";
            }
            catch (FormatException)
            {
                return false;
            }
        }
        return false;
    }

    private static JsonObject ParseObject(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) throw MarathonApiException.WithMessage(400, "Invalid JSON: the request has no body");
        return JsonNode.Parse(body) as JsonObject ?? throw MarathonApiException.InvalidJson([("/", "error.expected.jsobject")]);
    }

    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is 0) return null;
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[MaxBody + 1];
        var read = 0;
        while (read <= MaxBody)
        {
            var n = await reader.ReadAsync(buffer.AsMemory(read, MaxBody + 1 - read), ct);
            if (n == 0) break;
            read += n;
        }
        if (read > MaxBody) throw MarathonApiException.WithMessage(413, "Request entity too large");
        return read == 0 ? null : new string(buffer, 0, read);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string method, string path, string reason);
}
