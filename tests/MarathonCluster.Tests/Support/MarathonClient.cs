using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon.Tests;

/// <summary>A bare HTTP client of the mock's v2 API: status code and parsed JSON body, nothing interpreted.</summary>
public sealed class MarathonClient(Uri baseAddress, string? authorization = null) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<(int Status, JsonNode? Body)> SendAsync(string method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? parsed = null;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/json") parsed = JsonNode.Parse(text);
        else if (text.Length > 0) parsed = JsonValue.Create(text);
        return ((int)response.StatusCode, parsed);
    }

    public Task<(int Status, JsonNode? Body)> SendAsync(string method, string path, JsonNode body) => SendAsync(method, path, body.ToJsonString());

    /// <summary>Sends and asserts the status; returns the body.</summary>
    public async Task<JsonNode> ExpectAsync(int status, string method, string path, JsonNode? body = null)
    {
        var (code, answer) = await SendAsync(method, path, body?.ToJsonString());
        Assert.That(code, Is.EqualTo(status), $"{method} {path} answered {code}: {answer?.ToJsonString()}");
        return answer ?? new JsonObject();
    }

    public static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    public void Dispose() => http.Dispose();
}
