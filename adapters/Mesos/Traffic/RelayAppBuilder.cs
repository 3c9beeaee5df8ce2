using System.Globalization;
using Federation.Adapters.Mesos.Api;
using Federation.Adapters.Mesos.Runtime;

namespace Federation.Adapters.Mesos.Traffic;

/// <summary>
/// A workload's stable address as a Marathon app of the home cluster: the holding relay (adapters/Relay) on the agent's
/// network (HOST), one port definition per app port whose <c>port</c> is the stable service port and which marathon-lb
/// serves (labels <c>HAPROXY_GROUP</c>, <c>HAPROXY_{n}_PORT</c>); the relay listens on the host ports Marathon gives the
/// task and forwards to wherever the workload runs now. Its control socket is on a hostPath directory this coordinator
/// shares (the relay's control API is a unix socket only), so it runs on the coordinator's agent (<c>RelayHost</c>), as
/// the coordinator's user, with no capabilities and no new privileges.
/// </summary>
public sealed class RelayAppBuilder(RuntimeAppOptions options)
{
    public const string RelayMount = "/relay";

    public RuntimeAppOptions Options => options;

    /// <summary>The directory of this workload's relay on its agent (control socket, routes).</summary>
    public string DirectoryOf(WorkloadId id) => Path.Combine(options.RelayDirectory, $"{id.Namespace}.{id.Name}");

    public MarathonApp Build(WorkloadId id, IReadOnlyList<int> appPorts, IReadOnlyList<int> servicePorts)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MarathonLabels.Address] = "true",
            [MarathonLabels.Workload] = id.Name,
            [MarathonLabels.Namespace] = id.Namespace,
            [MarathonLabels.Cluster] = options.Cluster,
            [MarathonLabels.HaproxyGroup] = options.HaproxyGroup,
        };
        for (var i = 0; i < servicePorts.Count; i++) labels[MarathonLabels.HaproxyPort(i)] = servicePorts[i].ToString(CultureInfo.InvariantCulture);
        var parameters = labels.Select(l => new MarathonParameter("label", $"{l.Key}={l.Value}")).ToList();
        if (options.RelayUser is { } user) parameters.Add(new MarathonParameter("user", user));
        parameters.Add(new MarathonParameter("tmpfs", "/tmp"));
        parameters.Add(new MarathonParameter("cap-drop", "ALL"));
        parameters.Add(new MarathonParameter("security-opt", "no-new-privileges"));
        var volumes = new List<MarathonVolume> { new() { ContainerPath = RelayMount, HostPath = DirectoryOf(id), Mode = "RW" } };
        if (options.ModulesFromHost)
        {
            volumes.Add(new MarathonVolume { ContainerPath = RuntimeAppOptions.ModulePath, HostPath = options.ModuleHostPath, Mode = "RO" });
            volumes.Add(new MarathonVolume { ContainerPath = options.DotnetHostPath, HostPath = options.DotnetHostPath, Mode = "RO" });
        }
        return new MarathonApp
        {
            Id = AppIds.Address(options.AppGroup, id),
            Instances = 1,
            Cpus = 0.1,
            Mem = 128,
            Disk = 0,
            Cmd = $"exec {options.DotnetInContainer}/dotnet {RuntimeAppOptions.ModulePath}/Federation.Adapters.Relay.dll",
            Container = new MarathonContainer
            {
                Type = "DOCKER",
                Docker = new MarathonDocker { Image = options.RuntimeImage, Network = "HOST", Privileged = false, ForcePullImage = false, Parameters = parameters },
                Volumes = volumes,
            },
            Env = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["DOTNET_ROOT"] = options.DotnetInContainer,
                ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_EnableDiagnostics"] = "0",
                ["FEDERATION_RELAY_DIR"] = RelayMount,
                ["FEDERATION_RELAY_LISTEN_ADDRESS"] = "0.0.0.0",
                ["FEDERATION_RELAY_MAX_HOLD"] = options.MaxTrafficHold.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            },
            Labels = labels,
            PortDefinitions = appPorts.Select((p, i) => new MarathonPortDefinition
            {
                Port = servicePorts[i],
                Protocol = "tcp",
                Name = $"app-{p.ToString(CultureInfo.InvariantCulture)}",
            }).ToList(),
            RequirePorts = false,
            Constraints = options.RelayHost.Length > 0 ? [["hostname", "CLUSTER", options.RelayHost]] : null,
            UpgradeStrategy = new MarathonUpgradeStrategy { MinimumHealthCapacity = 0, MaximumOverCapacity = 0 },
            BackoffSeconds = 1,
            BackoffFactor = 1.15,
            MaxLaunchDelaySeconds = 60,
        };
    }

    /// <summary>App port -> service port, from the relay app's definition.</summary>
    public static Dictionary<int, int> ServicePorts(MarathonApp relay) =>
        (relay.PortDefinitions ?? []).Where(p => p.Name?.StartsWith("app-", StringComparison.Ordinal) == true)
            .ToDictionary(p => int.Parse(p.Name!["app-".Length..], CultureInfo.InvariantCulture), p => p.Port);

    /// <summary>App port -> the host port the relay task listens on (Marathon lists the task's ports in the order of the port definitions).</summary>
    public static Dictionary<int, int> ListenPorts(MarathonApp relay, MarathonTask task)
    {
        var definitions = relay.PortDefinitions ?? [];
        var ports = task.Ports ?? [];
        var result = new Dictionary<int, int>();
        for (var i = 0; i < definitions.Count && i < ports.Count; i++)
        {
            if (definitions[i].Name is { } name && name.StartsWith("app-", StringComparison.Ordinal))
                result[int.Parse(name["app-".Length..], CultureInfo.InvariantCulture)] = ports[i];
        }
        return result;
    }
}
