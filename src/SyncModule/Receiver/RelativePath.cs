using Federation.Common;

namespace Federation.SyncModule.Receiver;

/// <summary>Checks of '/'-separated relative paths that come from the wire or from a token.</summary>
internal static class RelativePath
{
    public const int MaxLength = 4096;

    /// <summary>Names the receiver keeps for itself: partial files and its index directory.</summary>
    public const string ReservedPrefix = ".fedsync";

    public static string[] Split(string? path, string what)
    {
        if (string.IsNullOrEmpty(path)) throw FederationException.InvalidArgument($"{what} is empty");
        if (path.Length > MaxLength) throw FederationException.InvalidArgument($"{what} is longer than {MaxLength} characters");
        if (path.Contains('\0')) throw FederationException.InvalidArgument($"{what} '{Shorten(path)}' contains a NUL character");
        if (path.StartsWith('/')) throw FederationException.InvalidArgument($"{what} '{Shorten(path)}' is absolute");
        var segments = path.Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment == ".")
                throw FederationException.InvalidArgument($"{what} '{Shorten(path)}' has an empty or '.' segment");
            if (segment == "..")
                throw FederationException.InvalidArgument($"{what} '{Shorten(path)}' contains '..'");
            if (segment.Length > 255)
                throw FederationException.InvalidArgument($"{what} '{Shorten(path)}' has a name longer than 255 bytes");
            if (segment.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                throw FederationException.InvalidArgument($"{what} '{Shorten(path)}' uses the reserved name prefix '{ReservedPrefix}'");
        }
        return segments;
    }

    public static string Normalize(string? path, string what) => string.Join('/', Split(path, what));

    public static string? Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? null : path[..slash];
    }

    public static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
