using Federation.V1;

namespace Federation.Common.Images;

/// <summary>
/// How a cluster's runtimes get app images from a registry: the registry's CA and credentials, given with each pull
/// to the runtime's Engine for the images of that registry (<see cref="Registry"/>), or of any registry when none is named.
/// Shared by the adapters whose runtimes pull (Docker host, Kubernetes); made by <see cref="RegistryPullSettings.ToRegistryPulls"/>.
/// </summary>
public sealed class RegistryPulls
{
    /// <summary>host[:port] the CA and credentials are for; null: every image's registry.</summary>
    public string? Registry { get; init; }

    /// <summary>PEM CA certificate(s) of the registry; null: the runtime's trusted roots.</summary>
    public string? CaPem { get; init; }

    public RegistryCredentials? Credentials { get; init; }

    /// <summary>Longest time one pull may take (the Engine bounds it).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The Engine's request for <paramref name="image"/>: with the CA and credentials when they are for its registry.</summary>
    public PullImageRequest RequestFor(string image)
    {
        var request = new PullImageRequest { Image = image, Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Timeout) };
        if (Registry is not null && !string.Equals(ImageName.Parse(image).RegistryOrDefault, Registry, StringComparison.OrdinalIgnoreCase)) return request;
        if (CaPem is not null) request.RegistryCaPem = CaPem;
        if (Credentials is not null) request.Credentials = Credentials;
        return request;
    }
}
