using Federation.Common;

namespace Federation.RuntimeModule.Engine;

/// <summary>Another runtime's Engine as this runtime reaches it (a push's or a page tunnel's target).</summary>
public static class PeerEndpoint
{
    /// <exception cref="FederationException">InvalidArgument: not an absolute http(s) URL.</exception>
    public static Uri Parse(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var target) && target.Scheme is "http" or "https"
            ? target
            : throw FederationException.InvalidArgument($"target endpoint '{endpoint}' is not an http(s) URL");
}
