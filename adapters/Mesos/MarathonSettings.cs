using Federation.Common.Images;

namespace Federation.Adapters.Mesos;

/// <summary>
/// The Marathon adapter's settings, bound from the coordinator's <c>Coordinator:Adapter</c> section (command line: see
/// <see cref="MarathonAdapterRegistration.Switches"/>) and checked at start by <see cref="MarathonSettingsValidator"/> when the
/// coordinator runs the "marathon" kind.
/// </summary>
public sealed class MarathonSettings : RegistryPullSettings
{
    public const string Section = "Coordinator:Adapter";

    /// <summary>Marathon's base URL (<c>http://marathon.mesos:8080</c>, or DC/OS's <c>https://master/service/marathon</c>).</summary>
    public string MarathonUrl { get; set; } = "";

    /// <summary>HTTP basic user; its password is in <see cref="PasswordFile"/>.</summary>
    public string Username { get; set; } = "";

    /// <summary>A file holding the basic password, readable by the coordinator only.</summary>
    public string PasswordFile { get; set; } = "";

    /// <summary>A file holding a DC/OS token, sent as <c>Authorization: token=...</c>; excludes basic credentials.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>The runtime image (dockerd + CRIU), and, with modules in the image, the Engine and Ambassador too.</summary>
    public string RuntimeImage { get; set; } = "";

    /// <summary>The Marathon group the adapter's apps live in (app ids <c>{group}/{namespace}/{name}-{suffix}</c>).</summary>
    public string AppGroup { get; set; } = "/federation";

    /// <summary>Placement constraints for runtime apps, <c>field:OPERATOR[:value]</c> separated by ';' (e.g. <c>hostname:LIKE:agent-.*</c>).</summary>
    public string Constraints { get; set; } = "";

    /// <summary>Mesos roles whose resources runtimes accept, separated by ','; empty: Marathon's default.</summary>
    public string AcceptedResourceRoles { get; set; } = "";

    /// <summary>Service ports the stable addresses take (marathon-lb binds them), <c>low-high</c>.</summary>
    public string ServicePortRange { get; set; } = "10000-10999";

    /// <summary>The address clients reach marathon-lb at: a stable address is this host with the relay app's service port.</summary>
    public string LoadBalancerHost { get; set; } = "marathon-lb.marathon.mesos";

    /// <summary>marathon-lb's group that serves the stable addresses (label HAPROXY_GROUP).</summary>
    public string HaproxyGroup { get; set; } = "external";

    /// <summary>
    /// Agent directory of Federation.RuntimeModule.dll (and the relay's dll), mounted read-only into runtimes (test harness);
    /// empty: the modules are in the runtime image at /opt/federation/runtime with .NET at /opt/federation/dotnet.
    /// </summary>
    public string ModuleHostPath { get; set; } = "";

    /// <summary>With <see cref="ModuleHostPath"/>: the agent's .NET root; empty: this process's.</summary>
    public string DotnetHostPath { get; set; } = "";

    /// <summary><c>docker.privileged: true</c> (a real agent); false: the capability set that works where privileged fails (shared/ENVIRONMENT.md), as docker parameters.</summary>
    public bool Privileged { get; set; } = true;

    /// <summary>The runtime's inner Docker data and checkpoints on a tmpfs (checkpoint I/O dominates downtime); false: an anonymous Docker volume.</summary>
    public bool MemoryBackedState { get; set; } = true;

    /// <summary>CPUs and memory (MiB) a runtime asks Mesos for; the app runs inside it.</summary>
    public double RuntimeCpus { get; set; } = 1;
    public double RuntimeMemoryMiB { get; set; } = 1024;

    /// <summary>How many workloads (active or target) this cluster accepts.</summary>
    public int MaxWorkloads { get; set; } = 16;

    /// <summary>How long a deployment may take to run healthy before it is rolled back.</summary>
    public TimeSpan DeploymentTimeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>How long a change waits, once, for a deployment that holds the app (409) before it gives up.</summary>
    public TimeSpan LockWaitTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>One request's timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the watch polls Marathon's apps.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Host directory of the relay's control socket, shared by the relay app (hostPath) and this coordinator; empty: relay-{cluster} beside the journal.</summary>
    public string RelayDirectory { get; set; } = "";

    /// <summary>The agent the relay apps run on (a hostname CLUSTER constraint): the coordinator's host, which shares their control socket; empty: no constraint (one agent).</summary>
    public string RelayHost { get; set; } = "";

    /// <summary>How long a hold of a stable address lasts at most (the relay ends it by itself).</summary>
    public TimeSpan MaxTrafficHold { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Where runtimes get app images: <c>registry</c> (their dockerd pulls, with the registry settings) or <c>docker-socket</c> (streamed from <see cref="ImageDockerSocket"/>); empty: docker-socket when a socket is given.</summary>
    public string ImageSource { get; set; } = "";

    /// <summary>With the docker-socket source: a Docker engine socket beside the coordinator (<c>unix:///path</c> or <c>/path</c>).</summary>
    public string ImageDockerSocket { get; set; } = "";

    public bool ImagesFromDockerSocket => ImageSource.Trim().Length == 0 ? ImageDockerSocket.Length > 0 : ImageSource.Trim().Equals("docker-socket", StringComparison.OrdinalIgnoreCase);

    public string ImageDockerSocketPath() =>
        ImageDockerSocket.StartsWith("unix://", StringComparison.Ordinal) ? ImageDockerSocket["unix://".Length..] : ImageDockerSocket;
}
