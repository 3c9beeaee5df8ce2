using System.Text.RegularExpressions;

namespace Federation.Common;

/// <summary>Checks for names that end up in paths, container names or labels, and the escaping of text echoed into messages.</summary>
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

    /// <summary>True when <paramref name="name"/> is a DNS label (what <see cref="CheckAppName"/> accepts).</summary>
    public static bool IsAppName(string? name) => !string.IsNullOrEmpty(name) && DnsLabel().IsMatch(name);

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

    /// <summary>
    /// Text fit to echo into a message or a log line: every control character (C0, DEL, C1: ESC, line breaks, tab...),
    /// the Unicode line and paragraph separators and the bidirectional controls are shown as escapes (<c>\x1b</c>,
    /// <c>\n</c>, <c>\u2028</c>) instead of reaching a terminal, so echoed input can neither steer the terminal nor
    /// break the line. Backslashes are kept as they are, so escaping twice changes nothing.
    /// </summary>
    public static string Printable(string? text) => Escape(text ?? "", int.MaxValue);

    /// <summary>A user-supplied value for a message: <see cref="Printable"/>, cut to 80 characters ("..." at the end).</summary>
    public static string Shorten(string? s) => Escape(s ?? "", 80);

    /// <summary><see cref="Printable"/> text of at most <paramref name="max"/> characters, cut at a whole character or escape and ended with "...".</summary>
    public static string Escape(string text, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 3);
        if (text.Length <= max && !text.Any(NeedsEscape)) return text;
        var line = new System.Text.StringBuilder(Math.Min(text.Length, max) + 8);
        var roomForDots = -1; // where the text is cut when it does not fit: the last boundary that leaves room for "..."
        for (var i = 0; i < text.Length;)
        {
            var escape = NeedsEscape(text[i]) ? EscapeOf(text[i]) : null;
            var taken = escape is null && char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var width = escape?.Length ?? taken;
            if (roomForDots < 0 && line.Length + width > max - 3) roomForDots = line.Length;
            if (line.Length + width > max) return line.ToString(0, roomForDots) + "...";
            if (escape is null) line.Append(text, i, taken);
            else line.Append(escape);
            i += taken;
        }
        return line.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) // C0, DEL, C1
        || c is '\u2028' or '\u2029' // line and paragraph separators
        || c is '\u061c' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069'); // bidi controls

    private static string EscapeOf(char c) => c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        <= '\u00ff' => $"\\x{(int)c:x2}",
        _ => $"\\u{(int)c:x4}",
    };

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
