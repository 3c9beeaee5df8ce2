using Federation.Adapters;
using Federation.Common;
using Federation.V1;

namespace Federation.Coordinator.Requests;

/// <summary>The checks the coordinator's client and peer APIs apply to the ids and names they are given, written once.</summary>
public static class RequestChecks
{
    /// <summary>A migration id: 1 to 64 ASCII letters, digits or '-'. Returns it.</summary>
    public static string MigrationId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw FederationException.InvalidArgument(
                $"migration id is empty or malformed ('{Names.Escape(id ?? "", 64)}': 1 to 64 letters, digits and '-')");
        return id;
    }

    /// <summary>A cluster name a peer gives: a DNS label, as every cluster's own name is. Returns it.</summary>
    public static string Cluster(string? name, string what)
    {
        Names.CheckAppName(name, what);
        return name!;
    }

    /// <summary>A workload reference: namespace and name are DNS labels.</summary>
    public static WorkloadId Workload(V1.WorkloadRef? reference)
    {
        if (reference is null) throw FederationException.InvalidArgument("workload is missing");
        return Workload(new WorkloadId(reference.Namespace, reference.Name));
    }

    /// <summary>A workload id: namespace and name are DNS labels. Returns it.</summary>
    public static WorkloadId Workload(WorkloadId id)
    {
        Names.CheckAppName(id.Namespace, "namespace");
        Names.CheckAppName(id.Name, "workload name");
        return id;
    }

    /// <summary>A backend a peer names ("host:port", e.g. an app endpoint): a host name or address and a port from 1 to 65535.</summary>
    public static void Backend(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535
            || Uri.CheckHostName(endpoint[..colon].Trim('[', ']')) == UriHostNameType.Unknown)
            throw FederationException.InvalidArgument($"backend '{Names.Escape(endpoint, 64)}' is not HOST:PORT");
    }

    /// <summary>A workload with its app spec: the app is named after the workload and its image is well formed.</summary>
    public static WorkloadId WorkloadWithSpec(V1.WorkloadRef? reference, AppSpec? spec)
    {
        var workload = Workload(reference);
        if (spec is null) throw FederationException.InvalidArgument("app spec is missing");
        if (spec.Name != reference!.Name) throw FederationException.InvalidArgument($"app name '{spec.Name}' is not the workload name '{reference.Name}'");
        AppSpecValidator.Validate(spec);
        return workload;
    }
}
