using System.Text;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// The destination says in the transfer token it issues which round its tree of the app is at (<c>&lt;token&gt;.&lt;base64url
/// round&gt;</c>; the sync receiver keys the whole string), and the source sends a delta only against that round. Without it
/// a record of what was sent to the same address (a new target runtime published on the old one's port) made a delta the
/// new runtime could only refuse, a retry inside the freeze.
/// </summary>
public static class TreeBaseTag
{
    public static string Encode(string round) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(round)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The round a token names ("" for none), or null for a token without a tag (an older destination).</summary>
    public static string? Decode(string token)
    {
        var dot = token.LastIndexOf('.');
        if (dot < 0) return null;
        var text = token[(dot + 1)..].Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
