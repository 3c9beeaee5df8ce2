using Federation.Tests.Kube.Http;
using k8s.Models;

namespace Federation.Tests.Kube.Selectors;

/// <summary>
/// A label selector, parsed from the query syntax (<c>a=b,c!=d,e in (x,y),f notin (z),g,!h</c>) or built from a
/// <see cref="V1LabelSelector"/> (matchLabels and matchExpressions).
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) => this.requirements = requirements;

    public static readonly LabelSelector Everything = new([]);

    private sealed record Requirement(string Key, string Operator, string[] Values);

    public bool Matches(IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        foreach (var requirement in requirements)
        {
            var has = labels.TryGetValue(requirement.Key, out var value);
            var ok = requirement.Operator switch
            {
                "=" or "In" => has && requirement.Values.Contains(value),
                "!=" or "NotIn" => !has || !requirement.Values.Contains(value),
                "Exists" => has,
                "DoesNotExist" => !has,
                "Gt" => has && long.TryParse(value, out var gt) && gt > long.Parse(requirement.Values[0], System.Globalization.CultureInfo.InvariantCulture),
                "Lt" => has && long.TryParse(value, out var lt) && lt < long.Parse(requirement.Values[0], System.Globalization.CultureInfo.InvariantCulture),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    public static LabelSelector FromModel(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return Everything;
        }
        var requirements = (selector.MatchLabels ?? new Dictionary<string, string>())
            .Select(kv => new Requirement(kv.Key, "=", [kv.Value])).ToList();
        foreach (var expression in selector.MatchExpressions ?? [])
        {
            requirements.Add(new Requirement(expression.Key, expression.OperatorProperty, (expression.Values ?? []).ToArray()));
        }
        return new LabelSelector(requirements);
    }

    /// <summary>Parses the query form; a malformed selector is a 400 BadRequest as on the real server.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var term = part.Trim();
            if (term.Length == 0)
            {
                throw Bad(text, "found '', expected: identifier");
            }
            var lower = term.ToLowerInvariant();
            var notIn = lower.IndexOf(" notin ", StringComparison.Ordinal);
            var inAt = lower.IndexOf(" in ", StringComparison.Ordinal);
            if (notIn > 0 || inAt > 0)
            {
                var at = notIn > 0 ? notIn : inAt;
                var key = term[..at].Trim();
                var rest = term[(at + (notIn > 0 ? 7 : 4))..].Trim();
                if (!rest.StartsWith('(') || !rest.EndsWith(')'))
                {
                    throw Bad(text, "found '" + rest + "', expected: '('");
                }
                var values = rest[1..^1].Split(',').Select(v => v.Trim()).ToArray();
                requirements.Add(new Requirement(CheckKey(key, text), notIn > 0 ? "NotIn" : "In", values));
            }
            else if (term.Contains("!=", StringComparison.Ordinal))
            {
                var pieces = term.Split("!=", 2);
                requirements.Add(new Requirement(CheckKey(pieces[0].Trim(), text), "!=", [pieces[1].Trim()]));
            }
            else if (term.Contains("==", StringComparison.Ordinal))
            {
                var pieces = term.Split("==", 2);
                requirements.Add(new Requirement(CheckKey(pieces[0].Trim(), text), "=", [pieces[1].Trim()]));
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var pieces = term.Split('=', 2);
                requirements.Add(new Requirement(CheckKey(pieces[0].Trim(), text), "=", [pieces[1].Trim()]));
            }
            else if (term.StartsWith('!'))
            {
                requirements.Add(new Requirement(CheckKey(term[1..].Trim(), text), "DoesNotExist", []));
            }
            else if (term.Contains('>', StringComparison.Ordinal) || term.Contains('<', StringComparison.Ordinal))
            {
                var op = term.Contains('>', StringComparison.Ordinal) ? '>' : '<';
                var pieces = term.Split(op, 2);
                requirements.Add(new Requirement(CheckKey(pieces[0].Trim(), text), op == '>' ? "Gt" : "Lt", [pieces[1].Trim()]));
            }
            else
            {
                requirements.Add(new Requirement(CheckKey(term, text), "Exists", []));
            }
        }
        return new LabelSelector(requirements);
    }

    private static string CheckKey(string key, string text)
    {
        var problems = Validation.NameRules.QualifiedName(key).ToList();
        if (key.Contains(' ', StringComparison.Ordinal) || problems.Count > 0)
        {
            throw Bad(text, $"invalid label key \"{key}\": {string.Join("; ", problems)}");
        }
        return key;
    }

    private static KubeStatusException Bad(string text, string why) =>
        KubeStatusException.BadRequest($"unable to parse requirement: {why} (selector \"{text}\")");

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }
}
