namespace Federation.Common;

/// <summary>
/// A Docker image reference taken apart: <c>[registry/]repository[:tag][@digest]</c>. The first path component is the
/// registry when it has a '.', a ':' or an uppercase letter or is "localhost" (Docker's rule); none means Docker Hub.
/// </summary>
public sealed record ImageName(string? Registry, string Repository, string? Tag, string? Digest)
{
    /// <summary>Docker's name of the default registry (Docker Hub), as certs.d and credentials know it.</summary>
    public const string DefaultRegistry = "docker.io";

    /// <exception cref="FederationException">InvalidArgument: not a well-formed reference.</exception>
    public static ImageName Parse(string? image)
    {
        Names.CheckImageReference(image);
        var rest = image!;
        string? digest = null;
        if (rest.IndexOf('@', StringComparison.Ordinal) is var at and >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }
        string? registry = null;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && rest[..slash] is var first && (first.Contains('.') || first.Contains(':') || first == "localhost" || first.Any(char.IsUpper)))
        {
            registry = first;
            rest = rest[(slash + 1)..];
        }
        return new ImageName(registry, rest, tag, digest);
    }

    /// <summary>The registry's host[:port], <see cref="DefaultRegistry"/> when the reference names none.</summary>
    public string RegistryOrDefault => Registry ?? DefaultRegistry;

    /// <summary>The reference without tag and digest (Docker API's <c>fromImage</c>).</summary>
    public string Name => Registry is null ? Repository : $"{Registry}/{Repository}";

    /// <summary>What to pull: the digest when there is one, else the tag, else "latest" (never all tags).</summary>
    public string TagOrDigest => Digest ?? Tag ?? "latest";

    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
