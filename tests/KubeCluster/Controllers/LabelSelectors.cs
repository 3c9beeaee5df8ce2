using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>Label selector matching as the API machinery does it (matchLabels and matchExpressions).</summary>
public static class LabelSelectors
{
    /// <summary>Whether <paramref name="labels"/> satisfy the selector. A null selector matches nothing; an empty one everything.</summary>
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null) return false;
        labels ??= new Dictionary<string, string>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
            if (!labels.TryGetValue(key, out var v) || v != value) return false;
        foreach (var e in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(e.Key, out var v);
            var ok = e.OperatorProperty switch
            {
                "In" => has && (e.Values ?? []).Contains(v!),
                "NotIn" => !has || !(e.Values ?? []).Contains(v!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>A Service's selector: every pair present. Null or empty selects nothing (such a Service's endpoints are managed by hand).</summary>
    public static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value);
}
