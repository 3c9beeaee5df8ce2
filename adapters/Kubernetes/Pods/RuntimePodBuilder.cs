using System.Globalization;
using Federation.V1;
using Google.Protobuf;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Pods;

/// <summary>
/// The runtime form of a pod, the one builder used by the admission webhook (a user's pod) and the adapter (a pod it
/// creates): the runtime container (Docker-in-Docker, privileged, inner data root on an emptyDir, memory-backed when
/// configured), the Engine container (the cluster's credential from a Secret, readiness on its port), one Ambassador
/// per app container (the app itself runs inside the runtime's dockerd), a shared process namespace, the downward API,
/// and <c>federation.io/...</c> labels and annotations that say workload, role, migration and generation. What the
/// pod had besides its app container (scheduling, service account, owner, labels) is kept.
/// </summary>
public sealed class RuntimePodBuilder(RuntimePodOptions options)
{
    public const string RuntimeContainer = "runtime";
    public const string EngineContainer = "engine";
    public const string StateVolume = "federation-state";
    private const string RunVolume = "federation-run";
    private const string TmpVolume = "federation-tmp";
    private const string ModuleVolume = "federation-modules";
    private const string DotnetVolume = "federation-dotnet";

    public RuntimePodOptions Options => options;

    public static string AmbassadorName(AppSpec app) => $"{app.Name}-ambassador";

    /// <summary>The runtime form of <paramref name="pod"/>, whose app container is <paramref name="app"/>. The input is not changed.</summary>
    public V1Pod Build(V1Pod pod, AppSpec app, RuntimePodRole role)
    {
        var result = k8s.KubernetesJson.Deserialize<V1Pod>(k8s.KubernetesJson.Serialize(pod));
        var meta = result.Metadata ??= new V1ObjectMeta();
        meta.Labels = new Dictionary<string, string>(meta.Labels ?? new Dictionary<string, string>())
        {
            [FederationLabels.Runtime] = "true",
            [FederationLabels.Workload] = app.Name,
            [FederationLabels.Role] = role.Active ? FederationLabels.ActiveRole : FederationLabels.TargetRole,
        };
        var annotations = new Dictionary<string, string>(meta.Annotations ?? new Dictionary<string, string>())
        {
            [FederationLabels.Migratable] = "true",
            [FederationLabels.RuntimeForm] = FederationLabels.RuntimeFormVersion,
            [FederationLabels.AppSpec] = JsonFormatter.Default.Format(app),
            [FederationLabels.Generation] = role.Generation.ToString(CultureInfo.InvariantCulture),
        };
        if (role.MigrationId is { } migration) annotations[FederationLabels.MigrationId] = migration;
        else annotations.Remove(FederationLabels.MigrationId);
        if (role.Home is { } home)
        {
            annotations[FederationLabels.HomeCluster] = home.Cluster;
            annotations[FederationLabels.HomeAddress] = home.Address;
        }
        meta.Annotations = annotations;

        var spec = result.Spec ??= new V1PodSpec();
        var appContainer = spec.Containers?.FirstOrDefault(c => c.Name == app.Name);
        spec.ShareProcessNamespace = true;
        spec.Containers = [Runtime(app, appContainer?.Resources, appContainer?.Ports), Engine(), Ambassador(app, role.Active)];
        var volumes = (spec.Volumes ?? []).Where(v => !app.Volumes.Any(m => m.Name == v.Name) && !v.Name.StartsWith("federation-", StringComparison.Ordinal)).ToList();
        volumes.AddRange(Volumes());
        spec.Volumes = volumes;
        // The Engine and Ambassador speak only to the inner dockerd and the coordinator; no API token is needed.
        spec.AutomountServiceAccountToken ??= false;
        return result;
    }

    /// <param name="appPorts">The app container's own ports, whose names (a Service's named targetPort) the runtime container keeps.</param>
    private V1Container Runtime(AppSpec app, V1ResourceRequirements? appResources, IList<V1ContainerPort>? appPorts) => new()
    {
        Name = RuntimeContainer,
        Image = options.RuntimeImage,
        Command = ["/bin/sh", "-c",
            $"mkdir -p {RuntimePodOptions.StatePath}/run {RuntimePodOptions.StatePath}/checkpoints {RuntimePodOptions.StatePath}/apps && " +
            $"exec dockerd --experimental --data-root {RuntimePodOptions.StatePath}/docker -H unix://{RuntimePodOptions.StatePath}/run/docker.sock"],
        // The app runs in this container's cgroup (inside its dockerd), so its resources are the app's.
        Resources = appResources,
        // The app's ports live in the pod's network namespace: the Service targets them here.
        Ports = app.Ports.Select(p => new V1ContainerPort { ContainerPort = (int)(p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort),
            Protocol = string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol.ToUpperInvariant(),
            Name = appPorts?.FirstOrDefault(o => o.ContainerPort == p.ContainerPort && !string.IsNullOrEmpty(o.Name))?.Name }).ToList(),
        SecurityContext = RuntimePrivileges(),
        VolumeMounts =
        [
            Mount(RuntimePodOptions.StatePath, StateVolume),
            Mount("/run", RunVolume),
            Mount("/tmp", TmpVolume),
        ],
    };

    private V1Container Engine() => new()
    {
        Name = EngineContainer,
        Image = options.EngineImageOrRuntime,
        Command = [Path.Combine(options.DotnetInContainer, "dotnet"), $"{RuntimePodOptions.ModulePath}/Federation.RuntimeModule.dll", "engine"],
        Env =
        [
            .. ModuleEnvironment(),
            // The Engine serves only whoever holds the cluster's credential (the coordinator), not every pod of the cluster.
            new V1EnvVar { Name = "FEDERATION_ENGINE_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = options.EngineSecretName, Key = "token" } } },
        ],
        Ports = [new V1ContainerPort { ContainerPort = RuntimePodOptions.EnginePort, Name = "engine", Protocol = "TCP" }],
        ReadinessProbe = new V1Probe
        {
            TcpSocket = new V1TCPSocketAction { Port = RuntimePodOptions.EnginePort },
            PeriodSeconds = 2,
            FailureThreshold = 3,
        },
        // It runs runc and CRIU in the runtime's namespaces (shareProcessNamespace).
        SecurityContext = RuntimePrivileges(),
        VolumeMounts = [Mount(RuntimePodOptions.StatePath, StateVolume), .. ModuleMounts()],
    };

    private V1Container Ambassador(AppSpec app, bool active) => new()
    {
        Name = AmbassadorName(app),
        Image = options.EngineImageOrRuntime,
        Command = [Path.Combine(options.DotnetInContainer, "dotnet"), $"{RuntimePodOptions.ModulePath}/Federation.RuntimeModule.dll", "ambassador"],
        Env =
        [
            .. ModuleEnvironment(),
            Env("FEDERATION_APP_SPEC", JsonFormatter.Default.Format(app)),
            Env("FEDERATION_START_MODE", active ? "active" : "passive"),
        ],
        VolumeMounts = [Mount(RuntimePodOptions.StatePath, StateVolume), .. ModuleMounts()],
    };

    private List<V1EnvVar> ModuleEnvironment() =>
    [
        Env("DOTNET_ROOT", options.DotnetInContainer),
        Env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1"),
        Env("DOTNET_CLI_TELEMETRY_OPTOUT", "1"),
        Env("DOTNET_NOLOGO", "1"),
        Env("DOTNET_GCgen0size", "0x400000"),
        Env("FEDERATION_STATE_DIR", RuntimePodOptions.StatePath),
        Env("FEDERATION_ENGINE_PORT", RuntimePodOptions.EnginePort.ToString(CultureInfo.InvariantCulture)),
        // The downward API: who this runtime is, as the orchestrator names it.
        FieldRef("FEDERATION_POD_NAME", "metadata.name"),
        FieldRef("FEDERATION_POD_NAMESPACE", "metadata.namespace"),
        FieldRef("FEDERATION_POD_UID", "metadata.uid"),
        FieldRef("FEDERATION_POD_IP", "status.podIP"),
    ];

    private static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    private static V1EnvVar FieldRef(string name, string path) => new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = path } } };

    private static V1VolumeMount Mount(string path, string volume, bool readOnly = false) => new() { MountPath = path, Name = volume, ReadOnlyProperty = readOnly ? true : null };

    private static V1Volume EmptyDir(string name, string? medium) => new() { Name = name, EmptyDir = new V1EmptyDirVolumeSource { Medium = medium } };

    private static V1Volume HostPath(string name, string path) => new() { Name = name, HostPath = new V1HostPathVolumeSource { Path = path, Type = "Directory" } };

    private IEnumerable<V1VolumeMount> ModuleMounts() => options.ModulesFromHost
        ? [Mount(RuntimePodOptions.ModulePath, ModuleVolume, readOnly: true), Mount(options.DotnetRoot, DotnetVolume, readOnly: true)]
        : [];

    private IEnumerable<V1Volume> Volumes()
    {
        yield return EmptyDir(StateVolume, options.MemoryBackedState ? "Memory" : null);
        yield return EmptyDir(RunVolume, "Memory");
        yield return EmptyDir(TmpVolume, "Memory");
        if (!options.ModulesFromHost) yield break;
        yield return HostPath(ModuleVolume, options.ModuleDirectory);
        yield return HostPath(DotnetVolume, options.DotnetRoot);
    }

    /// <summary>privileged: true on a real cluster; where that fails (shared/ENVIRONMENT.md) the capability set that works, behind the same setting.</summary>
    private V1SecurityContext RuntimePrivileges() => options.Privileged
        ? new V1SecurityContext { Privileged = true }
        : new V1SecurityContext
        {
            Capabilities = new V1Capabilities { Add = ["ALL"], Drop = ["SYS_RESOURCE"] },
            SeccompProfile = new V1SeccompProfile { Type = "Unconfined" },
            AppArmorProfile = new V1AppArmorProfile { Type = "Unconfined" },
            ProcMount = "Unmasked",
        };
}
