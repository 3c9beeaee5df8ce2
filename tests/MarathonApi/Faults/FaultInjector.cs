using System.Text.Json.Nodes;
using Federation.Tests.Marathon.Http;

namespace Federation.Tests.Marathon.Faults;

/// <summary>
/// Test hooks that make requests fail: the next request with a method (or "*") whose path starts with a prefix answers a
/// status with the body the real server (or the proxy in front of it) sends, or hangs until released, the client gives up, or a bound passes.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock gate = new();
    private readonly List<(string Method, string Prefix, int Code)> failures = [];
    private readonly List<(string Method, string Prefix, TimeSpan Limit)> hangs = [];
    private CancellationTokenSource release = new();

    public void FailNext(string method, string pathPrefix, int statusCode)
    {
        lock (gate) failures.Add((method, pathPrefix, statusCode));
    }

    public void Hang(string method, string pathPrefix, TimeSpan limit)
    {
        if (limit <= TimeSpan.Zero || limit > TimeSpan.FromMinutes(5)) throw new ArgumentOutOfRangeException(nameof(limit), "a hang lasts more than 0 and at most 5 minutes");
        lock (gate) hangs.Add((method, pathPrefix, limit));
    }

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

    /// <summary>The planned failure for this request (consumed), as (status, body text, content type); null when none.</summary>
    public (int Code, string Body, string ContentType)? TakeFailure(string method, string path)
    {
        int code;
        lock (gate)
        {
            var index = failures.FindIndex(f => Matches(f.Method, f.Prefix, method, path));
            if (index < 0) return null;
            code = failures[index].Code;
            failures.RemoveAt(index);
        }
        return Failure(code, method, path);
    }

    /// <summary>Waits when a hang is planned for this request; false when none was.</summary>
    public async Task<bool> HangIfPlannedAsync(string method, string path, CancellationToken requestAborted)
    {
        TimeSpan limit;
        CancellationToken released;
        lock (gate)
        {
            var index = hangs.FindIndex(h => Matches(h.Method, h.Prefix, method, path));
            if (index < 0) return false;
            limit = hangs[index].Limit;
            hangs.RemoveAt(index);
            released = release.Token;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, released);
        linked.CancelAfter(limit);
        try { await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        return true;
    }

    private static bool Matches(string plannedMethod, string prefix, string method, string path) =>
        (plannedMethod == "*" || string.Equals(plannedMethod, method, StringComparison.OrdinalIgnoreCase)) && path.StartsWith(prefix, StringComparison.Ordinal);

    private static (int, string, string) Failure(int code, string method, string path)
    {
        const string json = "application/json";
        var app = AppOf(path);
        JsonObject body = code switch
        {
            401 => new JsonObject { ["message"] = "Not Authenticated!" },
            403 => new JsonObject { ["message"] = "Not Authorized to perform this action!" },
            404 => MarathonApiException.AppNotFound(app).Body,
            409 => MarathonApiException.Locked([Guid.NewGuid().ToString()]).Body,
            422 => MarathonApiException.Invalid([("/", "injected validation failure")]).Body,
            500 => new JsonObject { ["message"] = "An unexpected server error occurred" },
            503 => new JsonObject { ["message"] = "Could not determine the current leader" },
            _ => new JsonObject { ["message"] = $"HTTP {code}" },
        };
        // 502 and 504 come from the proxy in front of Marathon (DC/OS Admin Router, nginx): an HTML page.
        if (code is 502 or 504)
        {
            var title = code == 502 ? "502 Bad Gateway" : "504 Gateway Time-out";
            return (code, $"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n", "text/html");
        }
        _ = method;
        return (code, body.ToJsonString(), json);
    }

    private static string AppOf(string path)
    {
        const string apps = "/v2/apps";
        var rest = path.StartsWith(apps, StringComparison.Ordinal) ? path[apps.Length..] : "";
        var query = rest.IndexOf('?');
        if (query >= 0) rest = rest[..query];
        var tasks = rest.IndexOf("/tasks", StringComparison.Ordinal);
        if (tasks >= 0) rest = rest[..tasks];
        return rest.Length > 1 ? rest.TrimEnd('/') : "/";
    }
}
