using System.Text.RegularExpressions;
using Federation.Tests.Marathon.Model;
using Federation.Tests.Marathon.State;

namespace Federation.Tests.Marathon.Agent;

/// <summary>
/// Whether the agent's offer fits one more task of an app, as Marathon's offer matcher decides: acceptedResourceRoles, the
/// constraints (hostname or an attribute; UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS), cpus and mem left.
/// Ports are checked when they are allocated. Returns the reason the offer was declined, or null.
/// </summary>
public static class Placement
{
    public static string? Check(AppDefinition app, MesosAgentOptions agent, string hostname, IReadOnlyList<MarathonTask> allTasks)
    {
        var roles = app.AcceptedResourceRoles;
        if (roles.Count > 0 && !roles.Contains(agent.Role)) return "UnfulfilledRole";
        var appTasks = allTasks.Where(t => t.AppId == app.Id && !t.KillRequested).ToList();
        foreach (var constraint in app.Constraints)
        {
            var value = constraint.Field == "hostname" ? hostname : agent.Attributes.GetValueOrDefault(constraint.Field);
            var fits = constraint.Operator switch
            {
                "UNIQUE" => value is not null && appTasks.Count == 0,
                "CLUSTER" or "IS" => value is not null && (constraint.Value is null || value == constraint.Value),
                "GROUP_BY" => value is not null,
                "LIKE" => value is not null && Regex.IsMatch(value, $"^(?:{constraint.Value})$"),
                "UNLIKE" => value is null || !Regex.IsMatch(value, $"^(?:{constraint.Value})$"),
                "MAX_PER" => value is not null && appTasks.Count < int.Parse(constraint.Value ?? "0", System.Globalization.CultureInfo.InvariantCulture),
                _ => false,
            };
            if (!fits) return "UnfulfilledConstraint";
        }
        var live = allTasks.Where(t => !t.KillRequested).ToList();
        if (live.Sum(t => t.Cpus) + app.Cpus > agent.Cpus + 1e-9) return "InsufficientCpus";
        if (live.Sum(t => t.Mem) + app.Mem > agent.Mem + 1e-9) return "InsufficientMemory";
        return null;
    }
}
