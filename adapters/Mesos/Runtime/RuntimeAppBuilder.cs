using System.Globalization;
using Federation.Adapters.Mesos.Api;
using Federation.V1;
using Google.Protobuf;

namespace Federation.Adapters.Mesos.Runtime;

/// <summary>
/// The one definition of a runtime as a Marathon app. Marathon pods (<c>/v2/pods</c>) run only under the Mesos containerizer
/// (UCR), which cannot run privileged containers, and Docker-in-Docker with CRIU needs them; a sidecar app cannot join
/// another app's network namespace because Mesos names the Docker containers itself. So a runtime is ONE app of the
/// Docker containerizer (<c>container.type: DOCKER</c>, <c>docker.privileged: true</c>) whose single container runs dockerd,
/// the Engine and the Ambassador together (<see cref="RuntimeEntrypoint"/>): BRIDGE port mappings for the Engine port (index
/// 0) and the app's ports, each on a host port Marathon picks; TCP health checks on the Engine port and, for an active
/// workload, on the app's first port; <c>federation.io/...</c> labels on the app and, through <c>docker.parameters</c>, on the
/// container; the Engine credential, the app spec, the start mode in <c>env</c>; constraints and accepted roles from the
/// settings; the module binaries in the image or, in the test harness, hostPath volumes.
/// </summary>
public sealed class RuntimeAppBuilder(RuntimeAppOptions options)
{
    public RuntimeAppOptions Options => options;

    /// <param name="appId">The Marathon app id (<see cref="AppIds.Runtime"/>).</param>
    /// <param name="spec">The workload's app; null for a probe runtime (no Ambassador).</param>
    /// <param name="credential">The cluster's Engine credential.</param>
    public MarathonApp Build(string appId, WorkloadId id, AppSpec? spec, RuntimeAppRole role, string credential)
    {
        var labels = Labels(id, spec, role);
        var appPorts = spec is null ? [] : AppPorts(spec).ToList();
        var app = new MarathonApp
        {
            Id = appId,
            Instances = 1,
            Cpus = options.Cpus,
            Mem = options.MemoryMiB,
            Disk = 0,
            Cmd = RuntimeEntrypoint.Script(options.DotnetInContainer),
            Container = new MarathonContainer
            {
                Type = "DOCKER",
                Docker = new MarathonDocker
                {
                    Image = options.RuntimeImage,
                    Network = "BRIDGE",
                    Privileged = options.Privileged,
                    ForcePullImage = false,
                    Parameters = Parameters(labels),
                    PortMappings =
                    [
                        new MarathonPortMapping { ContainerPort = RuntimeAppOptions.EnginePort, HostPort = 0, ServicePort = 0, Protocol = "tcp", Name = "engine" },
                        .. (spec?.Ports ?? []).Select(p => new MarathonPortMapping
                        {
                            ContainerPort = RuntimePort(p),
                            HostPort = 0,
                            ServicePort = 0,
                            Protocol = string.IsNullOrEmpty(p.Protocol) ? "tcp" : p.Protocol.ToLowerInvariant(),
                            Name = $"app-{RuntimePort(p).ToString(CultureInfo.InvariantCulture)}",
                        }),
                    ],
                },
                Volumes = Volumes() is { Count: > 0 } volumes ? volumes : null,
            },
            Env = Environment(spec, role, credential),
            Labels = labels,
            HealthChecks = HealthChecks(role.Active && appPorts.Count > 0),
            Constraints = options.Constraints is { Count: > 0 } c ? c : null,
            AcceptedResourceRoles = options.AcceptedResourceRoles,
            // Never two runtimes of one app: a replacement is a new, empty runtime anyway; the old one stops first.
            UpgradeStrategy = new MarathonUpgradeStrategy { MinimumHealthCapacity = 0, MaximumOverCapacity = 0 },
            BackoffSeconds = 1,
            BackoffFactor = 1.15,
            MaxLaunchDelaySeconds = 300,
        };
        return app;
    }

    /// <summary>The app's ports in the runtime's network namespace (runtime port, else container port), in the spec's order.</summary>
    public static IEnumerable<int> AppPorts(AppSpec spec) => spec.Ports.Select(RuntimePort);

    private static int RuntimePort(PortMapping p) => (int)(p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort);

    private Dictionary<string, string> Labels(WorkloadId id, AppSpec? spec, RuntimeAppRole role)
    {
        // The workload's own labels (priority, opt-out) on the app, where a Marathon operator sees and edits them; the adapter's win.
        var labels = spec is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(spec.Labels, StringComparer.Ordinal);
        foreach (var (key, value) in new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // A probe (no app) is a runtime too, but no workload: the adapter never lists it.
            [MarathonLabels.Runtime] = spec is null ? "probe" : "true",
            [MarathonLabels.Workload] = id.Name,
            [MarathonLabels.Namespace] = id.Namespace,
            [MarathonLabels.Cluster] = options.Cluster,
            [MarathonLabels.Role] = role.Active ? MarathonLabels.ActiveRole : MarathonLabels.TargetRole,
        }) labels[key] = value;
        if (spec is not null) labels[MarathonLabels.AppSpec] = JsonFormatter.Default.Format(spec);
        if (role.MigrationId is { } migration) labels[MarathonLabels.MigrationId] = migration;
        if (role.Home is { } home)
        {
            labels[MarathonLabels.HomeCluster] = home.Cluster;
            labels[MarathonLabels.HomeAddress] = home.Address;
        }
        return labels;
    }

    /// <summary><c>docker run</c> options: the labels (not the app spec: too long for a look at <c>docker ps</c>), the tmpfs mounts, and without privileged the capability set.</summary>
    private List<MarathonParameter> Parameters(Dictionary<string, string> labels)
    {
        var parameters = labels.Where(l => l.Key != MarathonLabels.AppSpec).Select(l => new MarathonParameter("label", $"{l.Key}={l.Value}")).ToList();
        parameters.Add(new MarathonParameter("tmpfs", "/run"));
        parameters.Add(new MarathonParameter("tmpfs", "/tmp"));
        // The inner data root cannot be on the container's overlay root: a tmpfs (checkpoint I/O dominates downtime), or a volume.
        parameters.Add(options.MemoryBackedState
            ? new MarathonParameter("tmpfs", $"{RuntimeAppOptions.StatePath}:exec,size=16g")
            : new MarathonParameter("volume", RuntimeAppOptions.StatePath));
        if (!options.Privileged)
        {
            // --privileged fails on kernels whose bounding set lacks CAP_SYS_RESOURCE (shared/ENVIRONMENT.md): what works instead.
            parameters.Add(new MarathonParameter("cap-add", "ALL"));
            parameters.Add(new MarathonParameter("cap-drop", "SYS_RESOURCE"));
            parameters.Add(new MarathonParameter("security-opt", "seccomp=unconfined"));
            parameters.Add(new MarathonParameter("security-opt", "apparmor=unconfined"));
            parameters.Add(new MarathonParameter("security-opt", "systempaths=unconfined"));
            parameters.Add(new MarathonParameter("device-cgroup-rule", "a *:* rwm"));
        }
        return parameters;
    }

    private List<MarathonVolume> Volumes()
    {
        // Privileged containers get /sys/fs/cgroup writable from Docker itself; the capability set needs it mounted.
        var volumes = options.Privileged ? new List<MarathonVolume>() : [new() { ContainerPath = "/sys/fs/cgroup", HostPath = "/sys/fs/cgroup", Mode = "RW" }];
        if (options.ModulesFromHost)
        {
            volumes.Add(new MarathonVolume { ContainerPath = RuntimeAppOptions.ModulePath, HostPath = options.ModuleHostPath, Mode = "RO" });
            volumes.Add(new MarathonVolume { ContainerPath = options.DotnetHostPath, HostPath = options.DotnetHostPath, Mode = "RO" });
        }
        return volumes;
    }

    private Dictionary<string, string> Environment(AppSpec? spec, RuntimeAppRole role, string credential)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_ROOT"] = options.DotnetInContainer,
            ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_GCgen0size"] = "0x400000",
            ["FEDERATION_STATE_DIR"] = RuntimeAppOptions.StatePath,
            ["FEDERATION_ENGINE_PORT"] = RuntimeAppOptions.EnginePort.ToString(CultureInfo.InvariantCulture),
            // The Engine serves only whoever holds the cluster's credential (the coordinator), not every task of the cluster.
            ["FEDERATION_ENGINE_TOKEN"] = credential,
        };
        if (spec is not null)
        {
            env["FEDERATION_APP_SPEC"] = JsonFormatter.Default.Format(spec);
            env["FEDERATION_START_MODE"] = role.Active ? "active" : "passive";
        }
        return env;
    }

    /// <summary>TCP on the Engine port (index 0); for an active workload also on its first app port (index 1), with a grace that covers the image's placement.</summary>
    private static List<MarathonHealthCheck> HealthChecks(bool app)
    {
        var checks = new List<MarathonHealthCheck>
        {
            new() { Protocol = "TCP", PortIndex = 0, GracePeriodSeconds = 120, IntervalSeconds = 5, TimeoutSeconds = 5, MaxConsecutiveFailures = 6 },
        };
        // A move stops the app for its freeze (and a rollback restores it here): 6 failures 10 s apart leave a minute before Marathon kills the runtime.
        if (app) checks.Add(new MarathonHealthCheck { Protocol = "TCP", PortIndex = 1, GracePeriodSeconds = 300, IntervalSeconds = 10, TimeoutSeconds = 5, MaxConsecutiveFailures = 6 });
        return checks;
    }
}
