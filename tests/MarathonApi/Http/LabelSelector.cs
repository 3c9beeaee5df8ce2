namespace Federation.Tests.Marathon.Http;

/// <summary>
/// The <c>label</c> query of <c>GET /v2/apps</c>: comma-separated requirements, all of which must hold:
/// <c>k==v</c> (or <c>k=v</c>), <c>k!=v</c>, <c>k in (a, b)</c>, <c>k notin (a, b)</c>, or a bare <c>k</c> (the label exists).
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> requirements = [];

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text)) return selector;
        foreach (var part in SplitTopLevel(text))
        {
            var item = part.Trim();
            if (item.Length == 0) continue;
            int at;
            if ((at = item.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                var (k, v) = (item[..at].Trim(), item[(at + 2)..].Trim());
                selector.requirements.Add(l => !l.TryGetValue(k, out var x) || x != v);
            }
            else if ((at = item.IndexOf("==", StringComparison.Ordinal)) > 0 || (at = item.IndexOf('=')) > 0)
            {
                var width = item[at..].StartsWith("==", StringComparison.Ordinal) ? 2 : 1;
                var (k, v) = (item[..at].Trim(), item[(at + width)..].Trim());
                selector.requirements.Add(l => l.TryGetValue(k, out var x) && x == v);
            }
            else if (item.Contains(" notin ", StringComparison.Ordinal) || item.Contains(" in ", StringComparison.Ordinal))
            {
                var negate = item.Contains(" notin ", StringComparison.Ordinal);
                var op = negate ? " notin " : " in ";
                var k = item[..item.IndexOf(op, StringComparison.Ordinal)].Trim();
                var set = item[(item.IndexOf(op, StringComparison.Ordinal) + op.Length)..].Trim().TrimStart('(').TrimEnd(')')
                    .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
                selector.requirements.Add(l => l.TryGetValue(k, out var x) ? set.Contains(x) != negate : negate);
            }
            else
            {
                selector.requirements.Add(l => l.ContainsKey(item));
            }
        }
        return selector;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => requirements.All(r => r(labels));

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }
}
