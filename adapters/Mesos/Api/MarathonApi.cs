using System.Net;
using System.Text;
using System.Text.Json;
using Federation.Common.Retry;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Mesos.Api;

/// <summary>
/// Marathon's v2 REST API as the adapter uses it, over one <see cref="HttpClient"/> (its base address, credentials and
/// timeout set by the registration). Every failure is a <see cref="FederationException"/> (<see cref="MarathonErrors"/>).
/// A change that finds the app locked by a deployment (409 naming it) waits for that deployment once, bounded by
/// <c>lockWait</c>, and is sent once more; with <c>force</c> it is sent with <c>?force=true</c> instead. Never a loop.
/// </summary>
public sealed partial class MarathonApi(HttpClient http, string cluster, TimeSpan lockWait, ILogger<MarathonApi> logger)
{
    public string Cluster => cluster;

    public Uri BaseAddress => http.BaseAddress ?? new Uri("http://marathon/");

    public async Task<MarathonInfo> InfoAsync(CancellationToken ct) =>
        await GetAsync<MarathonInfo>("v2/info", "read Marathon's info", ct) ?? new MarathonInfo();

    /// <summary>JSON from another Mesos component at an absolute URL (the master's or an agent's operator endpoints), with Marathon's credentials and errors.</summary>
    public async Task<System.Text.Json.Nodes.JsonNode> GetJsonAsync(Uri url, string what, CancellationToken ct)
    {
        var (status, text) = await SendAsync(HttpMethod.Get, url.ToString(), null, what, ct);
        if ((int)status is < 200 or > 299) throw MarathonErrors.FromStatus(cluster, what, status, MarathonErrors.ParseBody(text));
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(text) ?? throw new JsonException("empty answer");
        }
        catch (JsonException e)
        {
            throw FederationException.Unavailable(Common.ErrorMappingInterceptor.OneLine($"{what}: {url} answered what is not JSON: {e.Message}"));
        }
    }

    /// <summary>The app, or null when Marathon has none of that id.</summary>
    public async Task<MarathonApp?> FindAppAsync(string appId, CancellationToken ct)
    {
        try
        {
            return (await GetAsync<MarathonAppResponse>($"v2/apps{appId}", $"read app {appId}", ct))?.App;
        }
        catch (FederationException e) when (e.Error == FederationError.NotFound)
        {
            return null;
        }
    }

    /// <summary>Apps whose labels match Marathon's label selector (<c>key==value</c>).</summary>
    public async Task<IReadOnlyList<MarathonApp>> ListAppsAsync(string labelSelector, CancellationToken ct) =>
        (await GetAsync<MarathonAppList>($"v2/apps?label={Uri.EscapeDataString(labelSelector)}", $"list apps labelled {labelSelector}", ct))?.Apps ?? [];

    /// <summary>All apps (to find the service ports in use).</summary>
    public async Task<IReadOnlyList<MarathonApp>> ListAllAppsAsync(CancellationToken ct) =>
        (await GetAsync<MarathonAppList>("v2/apps", "list apps", ct))?.Apps ?? [];

    /// <summary>The app's tasks; none when the app is gone.</summary>
    public async Task<IReadOnlyList<MarathonTask>> TasksAsync(string appId, CancellationToken ct)
    {
        try
        {
            return (await GetAsync<MarathonTaskList>($"v2/apps{appId}/tasks", $"list tasks of {appId}", ct))?.Tasks ?? [];
        }
        catch (FederationException e) when (e.Error == FederationError.NotFound)
        {
            return [];
        }
    }

    public async Task<IReadOnlyList<MarathonDeployment>> DeploymentsAsync(CancellationToken ct) =>
        await GetAsync<List<MarathonDeployment>>("v2/deployments", "list deployments", ct) ?? [];

    /// <summary>Creates an app; returns the deployment that starts it (null when Marathon names none).</summary>
    public Task<string?> CreateAppAsync(MarathonApp app, bool force, CancellationToken ct) =>
        ChangeAsync(HttpMethod.Post, "v2/apps", app.AsDefinition(), $"create app {app.Id}", force, ct);

    /// <summary>Replaces an app's definition (Marathon replaces its tasks unless only the instance count changed).</summary>
    public Task<string?> UpdateAppAsync(MarathonApp app, bool force, CancellationToken ct) =>
        ChangeAsync(HttpMethod.Put, $"v2/apps{app.Id}", app.AsDefinition(), $"update app {app.Id}", force, ct);

    /// <summary>Restarts an app's tasks (a new deployment replaces them).</summary>
    public Task<string?> RestartAppAsync(string appId, bool force, CancellationToken ct) =>
        ChangeAsync(HttpMethod.Post, $"v2/apps{appId}/restart", null, $"restart app {appId}", force, ct);

    /// <summary>Deletes an app; null when it was already gone, else the deployment that stops its tasks.</summary>
    public async Task<string?> DeleteAppAsync(string appId, bool force, CancellationToken ct)
    {
        try
        {
            return await ChangeAsync(HttpMethod.Delete, $"v2/apps{appId}", null, $"delete app {appId}", force, ct);
        }
        catch (FederationException e) when (e.Error == FederationError.NotFound)
        {
            return null;
        }
    }

    /// <summary>Rolls a deployment back (Marathon starts a deployment that undoes it; a new app's is its removal). Null when it had ended.</summary>
    public async Task<string?> RollBackDeploymentAsync(string deploymentId, CancellationToken ct)
    {
        try
        {
            return await ChangeAsync(HttpMethod.Delete, $"v2/deployments/{Uri.EscapeDataString(deploymentId)}", null, $"roll back deployment {deploymentId}", false, ct);
        }
        catch (FederationException e) when (e.Error == FederationError.NotFound)
        {
            return null;
        }
    }

    /// <summary>Waits until none of <paramref name="deploymentIds"/> is listed any more.</summary>
    /// <exception cref="FederationException">Aborted, naming the deployment, when one is still there after <paramref name="timeout"/>.</exception>
    public async Task WaitForDeploymentsGoneAsync(IReadOnlyCollection<string> deploymentIds, TimeSpan timeout, string what, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var left = deploymentIds.ToList();
        try
        {
            await Backoff.Poll(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), e => e is FederationException { Error: FederationError.Unavailable })
                .ExecuteAsync(async token =>
                {
                    var running = (await DeploymentsAsync(token)).Select(d => d.Id).ToHashSet();
                    left = left.Where(running.Contains).ToList();
                    return left.Count == 0 ? null : string.Join(", ", left);
                }, limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new FederationException(FederationError.Aborted,
                $"{what}: Marathon of cluster '{cluster}' keeps it locked by deployment {string.Join(", ", left)} (still running after {timeout.TotalSeconds:F0} s; delete it or retry with force)");
        }
    }

    private async Task<string?> ChangeAsync(HttpMethod method, string path, MarathonApp? body, string what, bool force, CancellationToken ct)
    {
        var target = force ? $"{path}?force=true" : path;
        var (status, text) = await SendAsync(method, target, body, what, ct);
        if (status == HttpStatusCode.Conflict && MarathonErrors.LockingDeployments(MarathonErrors.ParseBody(text)) is { Count: > 0 } locks)
        {
            // Locked by a deployment: wait for it once (bounded), then one more try. A second lock is the caller's to decide.
            LogLocked(logger, what, cluster, string.Join(", ", locks));
            await WaitForDeploymentsGoneAsync(locks, lockWait, what, ct);
            (status, text) = await SendAsync(method, target, body, what, ct);
        }
        if ((int)status is < 200 or > 299) throw MarathonErrors.FromStatus(cluster, what, status, MarathonErrors.ParseBody(text));
        return DeploymentIdOf(text);
    }

    /// <summary>The deployment a change answered with: <c>deploymentId</c> (PUT, DELETE) or the created app's <c>deployments[0].id</c> (POST).</summary>
    internal static string? DeploymentIdOf(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            if (root.TryGetProperty("deploymentId", out var id) && id.ValueKind == JsonValueKind.String) return id.GetString();
            if (root.TryGetProperty("deployments", out var deployments) && deployments.ValueKind == JsonValueKind.Array)
            {
                foreach (var deployment in deployments.EnumerateArray())
                {
                    if (deployment.ValueKind == JsonValueKind.Object && deployment.TryGetProperty("id", out var first) && first.ValueKind == JsonValueKind.String)
                        return first.GetString();
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private async Task<T?> GetAsync<T>(string path, string what, CancellationToken ct)
    {
        var (status, text) = await SendAsync(HttpMethod.Get, path, null, what, ct);
        if ((int)status is < 200 or > 299) throw MarathonErrors.FromStatus(cluster, what, status, MarathonErrors.ParseBody(text));
        try
        {
            return JsonSerializer.Deserialize<T>(text, MarathonJson.Options);
        }
        catch (JsonException e)
        {
            throw FederationException.Unavailable(Common.ErrorMappingInterceptor.OneLine($"{what}: Marathon of cluster '{cluster}' answered what is not its JSON: {e.Message}"));
        }
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, MarathonApp? body, string what, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body, MarathonJson.Options), Encoding.UTF8, "application/json");
            using var response = await http.SendAsync(request, ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }
        catch (Exception e) when (MarathonErrors.FromTransport(cluster, BaseAddress, what, e, ct) is { } mapped)
        {
            throw mapped;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What}: Marathon of cluster {Cluster} has the app locked by deployment {Deployments}; waiting for it once")]
    private static partial void LogLocked(ILogger logger, string what, string cluster, string deployments);
}
