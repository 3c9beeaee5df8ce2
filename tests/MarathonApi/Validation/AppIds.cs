using System.Text.RegularExpressions;

namespace Federation.Tests.Marathon.Validation;

/// <summary>Marathon's path ids (<c>/group/app</c>): absolute, segments of lowercase letters, digits, '-' and '.' as Marathon's PathId rules say.</summary>
public static partial class AppIds
{
    /// <summary>The regular expression in Marathon's error message.</summary>
    public const string SegmentPattern = @"^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$";

    [GeneratedRegex(@"^(?:(?:(?:[a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*(?:[a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|\.|\.\.)$")]
    private static partial Regex Segment();

    /// <summary>The canonical id (leading '/', no trailing '/', '.' and '..' resolved), or null with the reason.</summary>
    public static string? Normalize(string raw, out string? error)
    {
        error = null;
        var segments = new List<string>();
        foreach (var part in raw.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Segment().IsMatch(part))
            {
                error = $"must fully match regular expression '{SegmentPattern}'";
                return null;
            }
            if (part == ".") continue;
            if (part == "..")
            {
                if (segments.Count == 0)
                {
                    error = "path must not escape the root group";
                    return null;
                }
                segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(part);
        }
        if (segments.Count == 0)
        {
            error = "Path must contain at least one path element";
            return null;
        }
        return "/" + string.Join('/', segments);
    }

    /// <summary>The id as Marathon uses it in task ids: without the leading '/', '/' as '_'.</summary>
    public static string TaskPrefix(string appId) => appId.TrimStart('/').Replace('/', '_');
}
