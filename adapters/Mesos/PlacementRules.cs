using System.Globalization;
using Federation.Common;

namespace Federation.Adapters.Mesos;

/// <summary>The settings' constraints, roles and service port range as Marathon takes them, or the one-line problems with them.</summary>
public static class PlacementRules
{
    private static readonly HashSet<string> Operators = ["UNIQUE", "CLUSTER", "GROUP_BY", "LIKE", "UNLIKE", "MAX_PER", "IS"];

    /// <summary><c>field:OPERATOR[:value]</c> separated by ';' -> Marathon's <c>[field, OPERATOR, value]</c> triples.</summary>
    public static List<List<string>> Constraints(string text, List<string> problems)
    {
        var constraints = new List<List<string>>();
        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(':', 3);
            var field = parts[0].Trim();
            var op = parts.Length > 1 ? parts[1].Trim().ToUpperInvariant() : "";
            if (field.Length == 0 || !Operators.Contains(op))
            {
                problems.Add($"constraint '{Names.Shorten(entry)}' is not field:OPERATOR[:value] with an operator of {string.Join(", ", Operators.Order(StringComparer.Ordinal))} (--marathon-constraints)");
                continue;
            }
            if (op is not ("UNIQUE" or "GROUP_BY") && (parts.Length < 3 || parts[2].Length == 0))
            {
                problems.Add($"constraint '{Names.Shorten(entry)}' needs a value after {op} (--marathon-constraints)");
                continue;
            }
            constraints.Add(parts.Length == 3 && parts[2].Length > 0 ? [field, op, parts[2]] : [field, op]);
        }
        return constraints;
    }

    /// <summary>Roles separated by ','; null when none is given (Marathon's default applies).</summary>
    public static List<string>? Roles(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } roles ? [.. roles] : null;

    /// <summary><c>low-high</c> -> the range, or null (a problem added) when it is not one.</summary>
    public static (int Low, int High)? ServicePorts(string text, List<string> problems)
    {
        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
            && low is >= 1 and <= 65535 && high is >= 1 and <= 65535 && low <= high)
            return (low, high);
        problems.Add($"service port range '{Names.Shorten(text)}' is not low-high within 1-65535 (--marathon-service-ports)");
        return null;
    }
}
