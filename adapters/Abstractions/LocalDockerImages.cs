using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Serialization;

namespace Federation.Adapters;

/// <summary>
/// Images of a Docker engine beside the coordinator (the test harness's dockerd, an air-gapped edge), streamed into a runtime
/// through <see cref="IRuntimeEngines.PlaceImageAsync"/>. Without one, a runtime's dockerd pulls from the registry.
/// </summary>
public sealed class LocalDockerImages(string socketPath) : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, token) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = new Uri("http://docker/"), Timeout = Timeout.InfiniteTimeSpan };

    public async Task<IReadOnlyCollection<string>> ListAsync(CancellationToken ct)
    {
        var images = await http.GetFromJsonAsync<List<ImageSummary>>("images/json", ct) ?? [];
        return images.SelectMany(i => i.RepoTags ?? []).Where(t => t != "<none>:<none>").ToHashSet();
    }

    /// <summary>The image as a <c>docker save</c> archive.</summary>
    /// <exception cref="FederationException">FailedPrecondition: the engine does not have it.</exception>
    public async Task<Stream> SaveAsync(string image, CancellationToken ct)
    {
        var response = await http.GetAsync($"images/{Uri.EscapeDataString(image)}/get", HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw FederationException.FailedPrecondition($"image {image} is not on the Docker engine at {socketPath}");
        }
        return await response.Content.ReadAsStreamAsync(ct);
    }

    public void Dispose() => http.Dispose();

    private sealed class ImageSummary
    {
        [JsonPropertyName("RepoTags")] public List<string>? RepoTags { get; set; }
    }
}
