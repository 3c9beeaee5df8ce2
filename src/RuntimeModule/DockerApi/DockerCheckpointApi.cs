using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federation.RuntimeModule.DockerApi;

/// <summary>
/// The Engine API calls Docker.DotNet has no method for: checkpoint create/list/delete, start from a
/// checkpoint, and the component versions of <c>GET /version</c>.
/// </summary>
public sealed class DockerCheckpointApi(DockerSocket docker)
{
    public async Task CreateAsync(string containerId, string checkpointId, string? checkpointDir, bool exit, CancellationToken ct)
    {
        var body = new CheckpointCreateBody(checkpointId, checkpointDir, exit);
        using var response = await docker.Http.PostAsJsonAsync(
            $"containers/{Uri.EscapeDataString(containerId)}/checkpoints", body, JsonOptions, ct);
        await EnsureSuccessAsync(response, "checkpoint create", ct);
    }

    public async Task StartFromCheckpointAsync(string containerId, string checkpointId, CancellationToken ct)
    {
        using var response = await docker.Http.PostAsync(
            $"containers/{Uri.EscapeDataString(containerId)}/start?checkpoint={Uri.EscapeDataString(checkpointId)}", null, ct);
        await EnsureSuccessAsync(response, "start from checkpoint", ct);
    }

    public async Task<DockerVersion> GetVersionAsync(CancellationToken ct)
    {
        using var response = await docker.Http.GetAsync("version", ct);
        await EnsureSuccessAsync(response, "version", ct);
        return await response.Content.ReadFromJsonAsync<DockerVersion>(JsonOptions, ct)
               ?? throw new DockerCallException(HttpStatusCode.BadGateway, "version: empty answer");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var text = await response.Content.ReadAsStringAsync(ct);
        var message = text;
        try
        {
            message = JsonDocument.Parse(text).RootElement.GetProperty("message").GetString() ?? text;
        }
        catch (JsonException) { }
        catch (KeyNotFoundException) { }
        throw new DockerCallException(response.StatusCode, $"{what}: {message.Trim()}");
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record CheckpointCreateBody(
        [property: JsonPropertyName("CheckpointID")] string CheckpointId,
        [property: JsonPropertyName("CheckpointDir")] string? CheckpointDir,
        [property: JsonPropertyName("Exit")] bool Exit);
}
