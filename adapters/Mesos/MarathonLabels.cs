namespace Federation.Adapters.Mesos;

/// <summary>The labels the adapter puts on its Marathon apps (and, through docker parameters, on their containers).</summary>
public static class MarathonLabels
{
    /// <summary>"true" on every runtime app: what the adapter lists and watches.</summary>
    public const string Runtime = "federation.io/runtime";

    /// <summary>"true" on every relay (stable address) app.</summary>
    public const string Address = "federation.io/stable-address";

    public const string Workload = "federation.io/workload";
    public const string Namespace = "federation.io/namespace";
    public const string Cluster = "federation.io/cluster";

    /// <summary><see cref="ActiveRole"/> or <see cref="TargetRole"/>.</summary>
    public const string Role = "federation.io/role";
    public const string ActiveRole = "active";
    public const string TargetRole = "passive-target";

    public const string MigrationId = "federation.io/migration-id";
    public const string HomeCluster = "federation.io/home-cluster";
    public const string HomeAddress = "federation.io/home-address";

    /// <summary>The app spec (AppSpec JSON), so a workload can be read back from Marathon alone.</summary>
    public const string AppSpec = "federation.io/app-spec";

    /// <summary>marathon-lb: the group that exposes the app's service ports, and the port it binds for port index 0.</summary>
    public const string HaproxyGroup = "HAPROXY_GROUP";
    public static string HaproxyPort(int index) => $"HAPROXY_{index}_PORT";
}
