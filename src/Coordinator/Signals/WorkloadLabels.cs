using System.Globalization;

namespace Federation.Coordinator.Signals;

/// <summary>
/// A workload's priority and opt-out read from the labels its adapter reports (<c>WorkloadInfo.Labels</c>) under the policy's
/// label names (<c>federation.io/priority</c>: an integer, default 0; <c>federation.io/no-offload</c>: "true" or "false"). A value
/// that is neither is one line in <see cref="Problem"/>: a bad priority counts as 0, a bad opt-out as opted out (the person meant
/// something; moving it anyway would be the surprise).
/// </summary>
public sealed record WorkloadLabels(int Priority, bool OptOut, string? Problem)
{
    public const string DefaultPriorityLabel = "federation.io/priority";
    public const string DefaultOptOutLabel = "federation.io/no-offload";

    public static WorkloadLabels Read(string workload, IReadOnlyDictionary<string, string>? labels, string priorityLabel, string optOutLabel)
    {
        var problems = new List<string>();
        var priority = 0;
        if (labels?.TryGetValue(priorityLabel, out var p) == true && p.Trim().Length > 0
            && !int.TryParse(p.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out priority))
        {
            priority = 0;
            problems.Add($"label {priorityLabel}='{Printable(p)}' is not an integer: priority 0 used");
        }
        var optOut = false;
        if (labels?.TryGetValue(optOutLabel, out var o) == true)
        {
            switch (o.Trim().ToLowerInvariant())
            {
                case "true":
                    optOut = true;
                    break;
                case "false" or "":
                    break;
                default:
                    optOut = true;
                    problems.Add($"label {optOutLabel}='{Printable(o)}' is neither true nor false: treated as opted out");
                    break;
            }
        }
        return new WorkloadLabels(priority, optOut, problems.Count == 0 ? null : $"{workload}: {string.Join("; ", problems)}");
    }

    private static string Printable(string value)
    {
        var text = new string(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 40 ? text[..40] + "..." : text;
    }
}
