using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Federation.Coordinator.Policy;

/// <summary>
/// Reads a policy file (YAML) and checks it: every mistake is one line naming where it is ("line 4: edge-offload.lower 0.9 is
/// not below upper 0.8"); a file with any mistake gives no policy. See docs/architecture.md, section Offload, for the format.
/// </summary>
public static class PolicyParser
{
    private static readonly string[] TopFields = ["dry-run", "edge-offload", "balance", "guards"];
    private static readonly string[] EdgeFields = ["resource", "upper", "window", "lower", "lower-window", "cooldown", "priority-label", "opt-out-label"];
    private static readonly string[] BalanceFields = ["resource", "margin"];
    private static readonly string[] GuardFields = ["max-concurrent-migrations", "cooldown"];

    /// <summary>At most this many characters of policy text are read.</summary>
    public const int MaxLength = 64 * 1024;

    public static PolicyParseResult Parse(string text)
    {
        var errors = new List<string>();
        if (text.Length > MaxLength) return PolicyParseResult.Refused([$"the policy is {text.Length} characters long; at most {MaxLength}"]);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return PolicyParseResult.Refused([$"line {e.Start.Line}: not YAML: {Common.Names.Escape(e.Message, 200)}"]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return PolicyParseResult.Ok(OffloadPolicy.None);
        if (stream.Documents.Count > 1) errors.Add($"line {stream.Documents[1].RootNode.Start.Line}: one policy document only");
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            return PolicyParseResult.Refused([$"line {stream.Documents[0].RootNode.Start.Line}: the policy must be a mapping of {string.Join(", ", TopFields)}"]);

        var top = Fields(root, "", TopFields, errors);
        var dryRun = top.TryGetValue("dry-run", out var dry) && Bool(dry, "dry-run", errors);
        var edge = top.TryGetValue("edge-offload", out var e1) ? Edge(e1, errors) : null;
        var balance = top.TryGetValue("balance", out var b1) ? Balance(b1, errors) : null;
        var guards = top.TryGetValue("guards", out var g1) ? Guards(g1, errors) : PolicyGuards.Default;
        return errors.Count == 0 ? PolicyParseResult.Ok(new OffloadPolicy(dryRun, edge, balance, guards)) : PolicyParseResult.Refused(errors);
    }

    private static EdgeOffloadPolicy? Edge(YamlNode node, List<string> errors)
    {
        var fields = Fields(node, "edge-offload", EdgeFields, errors);
        if (node is not YamlMappingNode) return null;
        var resource = Required(fields, node, "edge-offload", "resource", errors) is { } r ? Resource(r, "edge-offload.resource", errors) : null;
        var upper = Required(fields, node, "edge-offload", "upper", errors) is { } u ? Fraction(u, "edge-offload.upper", errors, allowZero: false) : null;
        var lower = Required(fields, node, "edge-offload", "lower", errors) is { } l ? Fraction(l, "edge-offload.lower", errors, allowZero: true) : null;
        var window = Required(fields, node, "edge-offload", "window", errors) is { } w ? Duration(w, "edge-offload.window", errors) : null;
        var lowerWindow = fields.TryGetValue("lower-window", out var lw) ? Duration(lw, "edge-offload.lower-window", errors) : window * 2;
        var cooldown = fields.TryGetValue("cooldown", out var c) ? Duration(c, "edge-offload.cooldown", errors) : TimeSpan.FromMinutes(10);
        if (upper is { } up && lower is { } low && low >= up)
            errors.Add($"line {fields["lower"].Start.Line}: edge-offload.lower {low:0.###} is not below upper {up:0.###} (the gap between them keeps workloads from moving back and forth)");
        if (window is { } win && lowerWindow is { } lwin && lwin < win && fields.TryGetValue("lower-window", out var given))
            errors.Add($"line {given.Start.Line}: edge-offload.lower-window {Durations.Format(lwin)} is shorter than window {Durations.Format(win)} (coming home waits longer than leaving)");
        var priority = fields.TryGetValue("priority-label", out var p) ? Label(p, "edge-offload.priority-label", errors) : Signals.WorkloadLabels.DefaultPriorityLabel;
        var optOut = fields.TryGetValue("opt-out-label", out var o) ? Label(o, "edge-offload.opt-out-label", errors) : Signals.WorkloadLabels.DefaultOptOutLabel;
        return resource is { } res && upper is { } up2 && lower is { } low2 && window is { } w2 && lowerWindow is { } lw2 && cooldown is { } cd && priority is not null && optOut is not null
            ? new EdgeOffloadPolicy(res, up2, w2, low2, lw2, cd, priority, optOut) : null;
    }

    private static BalancePolicy? Balance(YamlNode node, List<string> errors)
    {
        var fields = Fields(node, "balance", BalanceFields, errors);
        if (node is not YamlMappingNode) return null;
        var resource = fields.TryGetValue("resource", out var r) ? Resource(r, "balance.resource", errors) : PressureResource.Cpu;
        var margin = Required(fields, node, "balance", "margin", errors) is { } m ? Fraction(m, "balance.margin", errors, allowZero: false) : null;
        return resource is { } res && margin is { } mar ? new BalancePolicy(res, mar) : null;
    }

    private static PolicyGuards Guards(YamlNode node, List<string> errors)
    {
        var fields = Fields(node, "guards", GuardFields, errors);
        var max = PolicyGuards.Default.MaxConcurrentMigrations;
        if (fields.TryGetValue("max-concurrent-migrations", out var m))
        {
            if (Scalar(m, "guards.max-concurrent-migrations", errors) is { } text)
            {
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out max) || max is < 1 or > 100)
                {
                    errors.Add($"line {m.Start.Line}: guards.max-concurrent-migrations '{Common.Names.Escape(text, 40)}' is not a whole number from 1 to 100");
                    max = 1;
                }
            }
        }
        var cooldown = fields.TryGetValue("cooldown", out var c) ? Duration(c, "guards.cooldown", errors) : PolicyGuards.Default.Cooldown;
        return new PolicyGuards(max, cooldown ?? PolicyGuards.Default.Cooldown);
    }

    /// <summary>The mapping's fields by name; an unknown or repeated field is a mistake, and so is a node that is no mapping.</summary>
    private static Dictionary<string, YamlNode> Fields(YamlNode node, string section, string[] known, List<string> errors)
    {
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var where = section.Length == 0 ? "" : $" in {section}";
        if (node is not YamlMappingNode mapping)
        {
            errors.Add($"line {node.Start.Line}: {section} must be a mapping of {string.Join(", ", known)}");
            return fields;
        }
        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(name))
                errors.Add($"line {key.Start.Line}: unknown field '{Common.Names.Escape(name, 60)}'{where} (known: {string.Join(", ", known)})");
            else if (!fields.TryAdd(name, value))
                errors.Add($"line {key.Start.Line}: field '{name}'{where} is given twice");
        }
        return fields;
    }

    private static YamlNode? Required(Dictionary<string, YamlNode> fields, YamlNode section, string name, string field, List<string> errors)
    {
        if (fields.TryGetValue(field, out var node)) return node;
        errors.Add($"line {section.Start.Line}: {name}.{field} is missing");
        return null;
    }

    private static string? Scalar(YamlNode node, string field, List<string> errors)
    {
        if (node is YamlScalarNode { Value: { } value }) return value;
        errors.Add($"line {node.Start.Line}: {field} must be a single value");
        return null;
    }

    private static bool Bool(YamlNode node, string field, List<string> errors)
    {
        var text = Scalar(node, field, errors);
        if (text is null) return false;
        if (bool.TryParse(text, out var value)) return value;
        errors.Add($"line {node.Start.Line}: {field} '{Common.Names.Escape(text, 40)}' is not true or false");
        return false;
    }

    private static PressureResource? Resource(YamlNode node, string field, List<string> errors)
    {
        var text = Scalar(node, field, errors);
        if (text is null) return null;
        switch (text)
        {
            case "cpu": return PressureResource.Cpu;
            case "memory": return PressureResource.Memory;
            case "workloads": return PressureResource.Workloads;
            default:
                errors.Add($"line {node.Start.Line}: {field} '{Common.Names.Escape(text, 40)}' is not cpu, memory or workloads");
                return null;
        }
    }

    /// <summary>A fraction in (0, 1] ([0, 1) with <paramref name="allowZero"/>), written 0.8 or 80%.</summary>
    private static double? Fraction(YamlNode node, string field, List<string> errors, bool allowZero)
    {
        var text = Scalar(node, field, errors);
        if (text is null) return null;
        var percent = text.EndsWith('%');
        if (!double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            errors.Add($"line {node.Start.Line}: {field} '{Common.Names.Escape(text, 40)}' is not a number");
            return null;
        }
        if (percent) value /= 100;
        var inRange = allowZero ? value is >= 0 and < 1 : value is > 0 and <= 1;
        if (!inRange)
        {
            errors.Add($"line {node.Start.Line}: {field} {Common.Names.Escape(text, 40)} is out of range ({(allowZero ? "0 to below 1" : "above 0 to 1")}, or as a percentage)");
            return null;
        }
        return value;
    }

    private static TimeSpan? Duration(YamlNode node, string field, List<string> errors)
    {
        var text = Scalar(node, field, errors);
        if (text is null) return null;
        switch (Durations.Parse(text))
        {
            case null:
                errors.Add($"line {node.Start.Line}: {field} '{Common.Names.Escape(text, 40)}' is not a duration (like 30s, 5m, 1h, up to a year)");
                return null;
            case { } d when d < TimeSpan.Zero:
                errors.Add($"line {node.Start.Line}: {field} {Common.Names.Escape(text, 40)} is negative");
                return null;
            case { } d:
                return d;
        }
    }

    private static string? Label(YamlNode node, string field, List<string> errors)
    {
        var text = Scalar(node, field, errors);
        if (text is null) return null;
        if (text.Length is > 0 and <= 253 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')) return text;
        errors.Add($"line {node.Start.Line}: {field} '{Common.Names.Escape(text, 60)}' is not a label name");
        return null;
    }
}
