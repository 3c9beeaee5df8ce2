using Federation.Common.Auth;

namespace Federation.Coordinator.Auth;

/// <summary>How a coordinator identifies itself on a call to a peer: its cluster name, and the secret the two share as the bearer credential.</summary>
public static class PeerMetadata
{
    /// <summary>The metadata entry that names the calling cluster.</summary>
    public const string Header = "federation-peer";

    /// <summary>The entries of a call from <paramref name="cluster"/>; without a secret (only under --insecure) just the name.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Of(string cluster, string? secret) => secret is null
        ? [new(Header, cluster)]
        : [new(Header, cluster), new(BearerToken.Header, BearerToken.HeaderValue(secret))];
}
