using System.Text.Json.Serialization;

namespace Federation.RuntimeModule.DockerApi;

/// <summary>The parts of <c>GET /version</c> the Engine reports.</summary>
public sealed record DockerVersion(
    [property: JsonPropertyName("Version")] string? Version,
    [property: JsonPropertyName("ApiVersion")] string? ApiVersion,
    [property: JsonPropertyName("KernelVersion")] string? KernelVersion,
    [property: JsonPropertyName("Arch")] string? Arch,
    [property: JsonPropertyName("Components")] IReadOnlyList<DockerComponent>? Components)
{
    public string? ComponentVersion(string name) =>
        Components?.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))?.Version;
}

public sealed record DockerComponent(
    [property: JsonPropertyName("Name")] string Name,
    [property: JsonPropertyName("Version")] string? Version);
