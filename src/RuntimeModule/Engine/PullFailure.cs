using System.Text.Json;
using Federation.Common;

namespace Federation.RuntimeModule.Engine;

/// <summary>What a failed pull means for the caller, from dockerd's message (the registry's answer or the dial's error).</summary>
public static class PullFailure
{
    private static readonly string[] Unknown = ["manifest unknown", "not found", "name unknown", "repository does not exist", "pull access denied"];
    private static readonly string[] Refused = ["unauthorized", "authentication required", "denied:", "incorrect username or password"];
    private static readonly string[] Untrusted = ["x509:", "certificate signed by unknown authority", "certificate is not valid", "tls: failed to verify"];
    private static readonly string[] Unreachable = ["connection refused", "no such host", "i/o timeout", "no route to host", "network is unreachable",
        "tls handshake timeout", "connection reset", "dial tcp", "server gave http response to https client", "unexpected eof", "timeout"];

    public static FederationException Of(ImageName image, string message)
    {
        var line = ErrorMappingInterceptor.OneLine(message);
        var lower = message.ToLowerInvariant();
        // Order matters: "pull access denied ... repository does not exist" is an unknown image, an x509 error also names the dial.
        if (Untrusted.Any(lower.Contains))
            return FederationException.FailedPrecondition($"registry {image.RegistryOrDefault} is not trusted (give its CA): {line}");
        if (Unknown.Any(lower.Contains)) return FederationException.NotFound($"image {image} is not in registry {image.RegistryOrDefault}: {line}");
        if (Refused.Any(lower.Contains))
            return new FederationException(FederationError.PermissionDenied, $"registry {image.RegistryOrDefault} refused the pull of {image}: {line}");
        if (Unreachable.Any(lower.Contains)) return FederationException.Unavailable($"registry {image.RegistryOrDefault} is unreachable: {line}");
        return FederationException.FailedPrecondition($"pull of {image} failed: {line}");
    }

    /// <summary>dockerd's error body is <c>{"message":"..."}</c>; anything else is taken as it is.</summary>
    public static string MessageOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                return m.GetString() ?? body;
        }
        catch (JsonException) { }
        return body;
    }
}
