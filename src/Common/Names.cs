using System.Text.RegularExpressions;

namespace Federation.Common;

/// <summary>Checks for names that end up in paths, container names or labels.</summary>
public static partial class Names
{
    /// <summary>App and workload names: a DNS label, as Kubernetes requires of object names.</summary>
    public static void CheckAppName(string? name, string what = "app name")
    {
        if (string.IsNullOrEmpty(name)) throw FederationException.InvalidArgument($"{what} is empty");
        if (!DnsLabel().IsMatch(name))
            throw FederationException.InvalidArgument(
                $"{what} '{Shorten(name)}' is not a DNS label (lowercase letters, digits and '-', at most 63 characters)");
    }

    /// <summary>Checkpoint names become one directory level: no separators, no '..', no leading dot.</summary>
    public static void CheckCheckpointName(string? name)
    {
        if (string.IsNullOrEmpty(name)) throw FederationException.InvalidArgument("checkpoint name is empty");
        if (name.Contains('/') || name.Contains('\\') || name.Contains(".."))
            throw FederationException.InvalidArgument($"checkpoint name '{Shorten(name)}' must not contain '/', '\\' or '..'");
        if (!CheckpointName().IsMatch(name))
            throw FederationException.InvalidArgument(
                $"checkpoint name '{Shorten(name)}' must be 1 to 128 characters of [A-Za-z0-9_.-] starting with a letter or digit");
    }

    /// <summary>A Docker image reference: [host[:port]/]path[:tag][@digest], lowercase path.</summary>
    public static void CheckImageReference(string? image)
    {
        if (string.IsNullOrWhiteSpace(image)) throw FederationException.InvalidArgument("image reference is empty");
        if (image.Length > 255 || !ImageReference().IsMatch(image))
            throw FederationException.InvalidArgument($"image reference '{Shorten(image)}' is malformed");
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex CheckpointName();

    [GeneratedRegex(
        @"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]+)?/)?" +
        @"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*" +
        @"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$")]
    private static partial Regex ImageReference();
}
