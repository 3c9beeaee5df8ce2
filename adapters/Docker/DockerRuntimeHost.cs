using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.V1;
using Google.Protobuf;

namespace Federation.Adapters.Docker;

/// <summary>
/// Starts and stops runtimes on one Docker host the way a pod runs them: the runtime container
/// (Docker-in-Docker) owns the network namespace; the Engine and the Ambassador join it and share its
/// state volume (inner docker data root, docker socket, checkpoints), like containers of one pod.
/// </summary>
/// <remarks>Everything inside a runtime (its readiness, its images) goes through the coordinator's <see cref="IRuntimeEngines"/>.</remarks>
public sealed class DockerRuntimeHost(DockerClient docker, RuntimeLaunchOptions options, IRuntimeEngines engines)
{
    private static readonly TimeSpan EngineReadyTimeout = TimeSpan.FromSeconds(60);
    private const string StatePath = "/var/lib/federation";
    private const string ModulePath = "/opt/federation/runtime";
    /// <summary>Label of a runtime's containers: the name the runtime was started under (its key).</summary>
    public const string RuntimeLabel = "federation.runtime";
    private const string Loopback = "127.0.0.1";
    private readonly RuntimeNetwork network = new(docker, options.Network, options.OwnerLabel);

    /// <summary>The Docker network this host's runtimes join.</summary>
    public string NetworkName => network.Name;

    public Task<RuntimeInstance> StartRuntimeAsync(string name, IReadOnlyCollection<int> appPorts, CancellationToken ct) =>
        StartRuntimeAsync(name, appPorts, new Dictionary<string, string>(), ct);

    /// <summary>Starts a runtime whose containers and volume also carry <paramref name="extraLabels"/> (an adapter's own bookkeeping).</summary>
    /// <param name="hostPorts">Host ports to publish the runtime's ports on at 127.0.0.1 (runtime port -> host port), e.g. those of a runtime it replaces; any free port for the others.</param>
    /// <param name="gatewayPorts">The same on the runtimes' network gateway address.</param>
    public async Task<RuntimeInstance> StartRuntimeAsync(string name, IReadOnlyCollection<int> appPorts, IReadOnlyDictionary<string, string> extraLabels, CancellationToken ct,
        IReadOnlyDictionary<int, int>? hostPorts = null, IReadOnlyDictionary<int, int>? gatewayPorts = null, StepTimes? steps = null)
    {
        steps ??= StepTimes.Discarded;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Names.CheckAppName(name, "runtime name");
        if (!File.Exists(Path.Combine(options.ModuleDirectory, "Federation.RuntimeModule.dll")))
            throw FederationException.FailedPrecondition($"Federation.RuntimeModule.dll is not in {options.ModuleDirectory}");
        var labels = new Dictionary<string, string>(extraLabels) { [RuntimeLabel] = name, [RuntimeNetwork.OwnerLabel] = options.OwnerLabel };

        var volumeName = $"{name}-state";
        var volume = await docker.Volumes.CreateAsync(new VolumesCreateParameters
        {
            Name = volumeName,
            Driver = "local",
            DriverOpts = options.StateOnTmpfs ? new Dictionary<string, string> { ["type"] = "tmpfs", ["device"] = "tmpfs", ["o"] = "size=16g" } : null,
            Labels = labels,
        }, ct);

        var ports = new[] { RuntimeLaunchOptions.EnginePort }.Concat(appPorts).Distinct().ToList();
        // The cluster's own network, not the default bridge: other containers reach only what is published below.
        var runtime = await network.JoinAsync(async (gateway, token) =>
        {
            var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = name,
                Image = options.RuntimeImage,
                Entrypoint = ["/bin/sh", "-c",
                    $"mkdir -p {StatePath}/run {StatePath}/checkpoints {StatePath}/apps && exec dockerd --experimental --data-root {StatePath}/docker -H unix://{StatePath}/run/docker.sock"],
                Labels = labels,
                ExposedPorts = ports.ToDictionary(p => $"{p}/tcp", _ => new EmptyStruct()),
                HostConfig = WithRuntimePrivileges(new HostConfig
                {
                    NetworkMode = network.Name,
                    Binds = ["/sys/fs/cgroup:/sys/fs/cgroup:rw", .. SharedBinds()],
                    Tmpfs = new Dictionary<string, string> { ["/run"] = "", ["/tmp"] = "" },
                    Mounts = [StateMount(volumeName)],
                    PortBindings = ports.ToDictionary(p => $"{p}/tcp", p => PortBindings(p, gateway, hostPorts, gatewayPorts)),
                }),
            }, token);
            await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), token);
            return created;
        }, ct);
        steps.Record("container", System.Diagnostics.Stopwatch.GetElapsedTime(started));
        started = System.Diagnostics.Stopwatch.GetTimestamp();

        var engine = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"{name}-engine",
            Image = options.RuntimeImage,
            Entrypoint = [Path.Combine(options.DotnetRoot, "dotnet"), $"{ModulePath}/Federation.RuntimeModule.dll", "engine"],
            // The Engine serves only whoever holds the cluster's credential (the coordinator), not every neighbour on the network.
            Env = [.. ModuleEnvironment(), $"FEDERATION_ENGINE_TOKEN={engines.Credential}"],
            Labels = labels,
            HostConfig = WithRuntimePrivileges(new HostConfig
            {
                NetworkMode = $"container:{runtime.ID}",
                // shareProcessNamespace of a pod: the Engine runs runc in the runtime's namespaces.
                PidMode = $"container:{runtime.ID}",
                Binds = [.. ModuleBinds(), .. SharedBinds()],
                Mounts = [StateMount(volumeName)],
            }),
        }, ct);
        await docker.Containers.StartContainerAsync(engine.ID, new ContainerStartParameters(), ct);

        var volumePath = (await docker.Volumes.InspectAsync(volume.Name, ct)).Mountpoint;
        var instance = InstanceOf(name, await docker.Containers.InspectContainerAsync(runtime.ID, ct), engine.ID, volumePath)
            ?? throw FederationException.Unavailable($"runtime {name} stopped right after it started");
        steps.Record("engine container", System.Diagnostics.Stopwatch.GetElapsedTime(started));
        await steps.MeasureAsync("dockerd and engine ready", () => WaitForEngineAsync(instance, ct));
        return instance;
    }

    /// <summary>Starts the Ambassador of an app in a runtime; it creates (active) or awaits (passive) the app.</summary>
    public async Task<string> StartAmbassadorAsync(RuntimeInstance runtime, AppSpec spec, StartMode mode, CancellationToken ct)
    {
        Names.CheckAppName(spec.Name);
        var env = ModuleEnvironment();
        env.Add($"FEDERATION_APP_SPEC={JsonFormatter.Default.Format(spec)}");
        env.Add($"FEDERATION_START_MODE={(mode == StartMode.Passive ? "passive" : "active")}");
        var ambassador = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"{runtime.Name}-{spec.Name}-ambassador",
            Image = options.RuntimeImage,
            Entrypoint = [Path.Combine(options.DotnetRoot, "dotnet"), $"{ModulePath}/Federation.RuntimeModule.dll", "ambassador"],
            Env = env,
            Labels = new Dictionary<string, string> { [RuntimeLabel] = runtime.Name, [RuntimeNetwork.OwnerLabel] = options.OwnerLabel },
            HostConfig = new HostConfig
            {
                NetworkMode = $"container:{runtime.RuntimeContainerId}",
                Binds = ModuleBinds(),
                Mounts = [StateMount(runtime.VolumeName)],
            },
        }, ct);
        await docker.Containers.StartContainerAsync(ambassador.ID, new ContainerStartParameters(), ct);
        return ambassador.ID;
    }

    /// <summary>Makes an image of this Docker host available in the runtime: streamed (<c>docker save</c>) through its Engine unless it has it.</summary>
    /// <returns>The images the runtime holds afterwards.</returns>
    /// <exception cref="DockerImageNotFoundException">The image is not on this host.</exception>
    public Task<IReadOnlyCollection<string>> LoadImageAsync(RuntimeInstance runtime, string image, CancellationToken ct) =>
        engines.PlaceImageAsync(runtime.EngineEndpoint, image, token => docker.Images.SaveImageAsync(image, token), ct);

    /// <summary>Waits for a container of this host to exit and returns its exit code.</summary>
    public async Task<long> WaitAsync(string containerId, CancellationToken ct) =>
        (await docker.Containers.WaitContainerAsync(containerId, ct)).StatusCode;

    public async Task<string> LogsAsync(string containerId, CancellationToken ct)
    {
        using var stream = await docker.Containers.GetContainerLogsAsync(containerId, tty: false,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = "200" }, ct);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct);
        return stdout + stderr;
    }

    /// <summary>Removes the runtime, its Engine and Ambassador and its state volume, and then the runtimes' network if no runtime is left on it. Safe to repeat.</summary>
    /// <param name="keepNetwork">
    /// Leaves the network even when no runtime is left on it: the runtime is about to be started again, and a network made
    /// anew may get another gateway address, which would change the app endpoints that relays lead to.
    /// </param>
    public async Task RemoveAsync(string name, CancellationToken ct, bool keepNetwork = false)
    {
        // An adopted warm runtime carries the name it was started under (its key) in its labels and volume name.
        var keys = new HashSet<string>(StringComparer.Ordinal) { name };
        foreach (var container in new[] { name, $"{name}-engine" })
        {
            if (await KeyOfAsync(container, ct) is { } key) keys.Add(key);
        }
        var containers = new List<ContainerListResponse>();
        foreach (var key in keys)
        {
            containers.AddRange(await docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{RuntimeLabel}={key}"] = true } },
            }, ct));
        }
        containers = containers.DistinctBy(c => c.ID).ToList();
        // Sidecars first: they share the runtime's network namespace.
        foreach (var c in containers.OrderBy(c => c.Names.Any(n => keys.Contains(n.TrimStart('/'))) ? 1 : 0))
        {
            try { await docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true }, ct); }
            catch (DockerContainerNotFoundException) { }
        }
        var removedVolume = false;
        foreach (var key in keys)
        {
            try
            {
                await docker.Volumes.RemoveAsync($"{key}-state", force: true, ct);
                removedVolume = true;
            }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound) { }
        }
        // Only a removal that found something may leave the network empty (the cleanup before a start finds nothing and keeps it).
        if (!keepNetwork && (containers.Count > 0 || removedVolume)) await network.RemoveIfUnusedAsync(ct);
    }

    /// <summary>Names of the runtimes this host created (by owner label), to clean up leftovers.</summary>
    public async Task<IReadOnlyList<string>> ListRuntimesAsync(CancellationToken ct)
    {
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{RuntimeNetwork.OwnerLabel}={options.OwnerLabel}"] = true } },
        }, ct);
        // The cluster's relay carries the owner label too, but is no runtime.
        return containers.Where(c => c.Labels.ContainsKey(RuntimeLabel)).Select(c => c.Labels[RuntimeLabel]).Distinct().ToList();
    }

    /// <summary>The key (the name it was started under) of this host's runtime container of that name, or null when there is none.</summary>
    private async Task<string?> KeyOfAsync(string container, CancellationToken ct)
    {
        try
        {
            return KeyOf(await docker.Containers.InspectContainerAsync(container, ct));
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The runtime's key: the name it was started under, which its containers' labels and its volume's name carry. A warm runtime
    /// adopted by a workload was renamed and keeps its key; any other runtime's key is its name. Null for a container that is not
    /// one of this host's runtimes.
    /// </summary>
    private string? KeyOf(ContainerInspectResponse container) =>
        container.Config.Labels.TryGetValue(RuntimeLabel, out var key)
        && container.Config.Labels.TryGetValue(RuntimeNetwork.OwnerLabel, out var owner) && owner == options.OwnerLabel
            ? key : null;

    /// <summary>
    /// A warm runtime becomes the runtime <paramref name="name"/>: its runtime and Engine containers are renamed (labels and
    /// volume keep the warm name, its key). Nothing else changes: it runs on, at the ports it was started with.
    /// </summary>
    public async Task<RuntimeInstance> AdoptAsync(string warm, string name, CancellationToken ct)
    {
        Names.CheckAppName(name, "runtime name");
        await docker.Containers.RenameContainerAsync(warm, new ContainerRenameParameters { NewName = name }, ct);
        await docker.Containers.RenameContainerAsync($"{warm}-engine", new ContainerRenameParameters { NewName = $"{name}-engine" }, ct);
        return await FindRuntimeAsync(name, ct) ?? throw FederationException.Unavailable($"warm runtime {warm} stopped while it was adopted as {name}");
    }

    /// <summary>The warm runtimes of this host not adopted yet (named as they were started), with the labels they were started with.</summary>
    public async Task<IReadOnlyList<(string Name, IDictionary<string, string> Labels)>> ListWarmAsync(string warmLabel, CancellationToken ct)
    {
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{RuntimeNetwork.OwnerLabel}={options.OwnerLabel}"] = true, [warmLabel] = true },
            },
        }, ct);
        return containers
            .Where(c => c.Labels.TryGetValue(RuntimeLabel, out var key) && c.Names.Any(n => n.TrimStart('/') == key))
            .Select(c => (c.Labels[RuntimeLabel], c.Labels))
            .ToList();
    }

    /// <summary>Whether the runtime container of that name runs: null when there is none.</summary>
    public async Task<bool?> IsRunningAsync(string name, CancellationToken ct)
    {
        try
        {
            var runtime = await docker.Containers.InspectContainerAsync(name, ct);
            return KeyOf(runtime) is not null ? runtime.State.Running : null;
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The runtime of that name as it runs now (after a restart of whoever started it), or null.</summary>
    public async Task<RuntimeInstance?> FindRuntimeAsync(string name, CancellationToken ct)
    {
        ContainerInspectResponse runtime, engine;
        try
        {
            runtime = await docker.Containers.InspectContainerAsync(name, ct);
            engine = await docker.Containers.InspectContainerAsync($"{name}-engine", ct);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        if (KeyOf(runtime) is not { } key || KeyOf(engine) != key) return null;
        return InstanceOf(name, runtime, engine.ID, "", key) is { } instance
            ? instance with { VolumeHostPath = (await docker.Volumes.InspectAsync(instance.VolumeName, ct)).Mountpoint }
            : null;
    }

    /// <summary>
    /// Where a runtime container is reached, from Docker's inspection: its ports as published on 127.0.0.1 and on its
    /// network's gateway address (the Engine's there is its peer endpoint). Null when the Engine port is not published (the container stopped).
    /// </summary>
    /// <param name="key">The name the runtime was started under (its volume's name is made of it); <paramref name="name"/> when null.</param>
    private static RuntimeInstance? InstanceOf(string name, ContainerInspectResponse runtime, string engineContainerId, string volumePath, string? key = null)
    {
        var published = new Dictionary<int, int>();
        var onGateway = new Dictionary<int, int>();
        string? gateway = null;
        foreach (var (port, bindings) in runtime.NetworkSettings.Ports ?? new Dictionary<string, IList<PortBinding>>())
        {
            if (bindings is null || !port.EndsWith("/tcp", StringComparison.Ordinal)) continue;
            var containerPort = int.Parse(port[..^4], CultureInfo.InvariantCulture);
            foreach (var binding in bindings)
            {
                var hostPort = int.Parse(binding.HostPort, CultureInfo.InvariantCulture);
                if (binding.HostIP == Loopback)
                {
                    published[containerPort] = hostPort;
                }
                else
                {
                    gateway = binding.HostIP;
                    onGateway[containerPort] = hostPort;
                }
            }
        }
        if (!published.TryGetValue(RuntimeLaunchOptions.EnginePort, out var engine)) return null;
        // A runtime started before runtimes had a network of their own publishes no Engine on a gateway: its peers reached it by its address.
        var peerEngine = gateway is not null && onGateway.TryGetValue(RuntimeLaunchOptions.EnginePort, out var peerPort)
            ? new Uri($"http://{gateway}:{peerPort}")
            : new Uri($"http://{runtime.NetworkSettings.Networks.Values.Select(n => n.IPAddress).FirstOrDefault(ip => !string.IsNullOrEmpty(ip))}:{RuntimeLaunchOptions.EnginePort}");
        return new RuntimeInstance(name, runtime.ID, engineContainerId, $"{key ?? name}-state", volumePath, new Uri($"http://{Loopback}:{engine}"), published, peerEngine,
            gateway, onGateway);
    }

    /// <summary>
    /// Every port twice: on 127.0.0.1 (this host's coordinator and processes) and on the runtime network's gateway address,
    /// each on the host port given for it (those of a runtime this one replaces) or any free one. On the gateway, containers
    /// of every Docker network on this host reach them, the way pods reach a Kubernetes node's InternalIP: other clusters'
    /// runtimes push checkpoints to the Engine there (token-authenticated), and other clusters' relays (a Kubernetes relay
    /// pod on its own pod network) forward clients to the app there when this host runs a workload whose home is elsewhere.
    /// </summary>
    private static IList<PortBinding> PortBindings(int port, string gateway, IReadOnlyDictionary<int, int>? hostPorts, IReadOnlyDictionary<int, int>? gatewayPorts) =>
    [
        new() { HostIP = Loopback, HostPort = HostPort(port, hostPorts) },
        new() { HostIP = gateway, HostPort = HostPort(port, gatewayPorts) },
    ];

    private static string HostPort(int port, IReadOnlyDictionary<int, int>? given) =>
        given?.TryGetValue(port, out var host) == true ? host.ToString(CultureInfo.InvariantCulture) : "";

    /// <summary>
    /// What a runtime started from the image would report, without starting one: runs the image once
    /// with the runtime's privileges and reads the version commands and CRIU's dirty-tracking check.
    /// Kernel and architecture are the host's, which the caller knows.
    /// </summary>
    public async Task<DescribeResponse> ProbeRuntimeImageAsync(CancellationToken ct)
    {
        var probe = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = options.RuntimeImage,
            Entrypoint = ["/bin/sh", "-c", RuntimeImageProbe.Script],
            Labels = new Dictionary<string, string> { [RuntimeNetwork.OwnerLabel] = options.OwnerLabel },
            HostConfig = WithRuntimePrivileges(new HostConfig { NetworkMode = "none", Binds = ["/sys/fs/cgroup:/sys/fs/cgroup:rw"] }),
        }, ct);
        try
        {
            await docker.Containers.StartContainerAsync(probe.ID, new ContainerStartParameters(), ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await docker.Containers.WaitContainerAsync(probe.ID, timeout.Token);
            return RuntimeImageProbe.Parse(await LogsAsync(probe.ID, ct));
        }
        finally
        {
            await docker.Containers.RemoveContainerAsync(probe.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    private Task WaitForEngineAsync(RuntimeInstance runtime, CancellationToken ct) =>
        engines.WaitForEngineAsync(runtime.EngineEndpoint, runtime.Name, EngineReadyTimeout, async token =>
        {
            var engine = await docker.Containers.InspectContainerAsync(runtime.EngineContainerId, token);
            return engine.State.Running ? null : $"its engine exited with {engine.State.ExitCode}: {Tail(await LogsAsync(runtime.EngineContainerId, token))}";
        }, ct);

    private static string Tail(string logs) => ErrorMappingInterceptor.OneLine(string.Join(" | ", logs.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3)));

    private HostConfig WithRuntimePrivileges(HostConfig config)
    {
        if (options.Privileged)
        {
            config.Privileged = true;
            return config;
        }
        // --privileged fails on kernels whose bounding set lacks CAP_SYS_RESOURCE (shared/ENVIRONMENT.md).
        config.CapAdd = ["ALL"];
        config.CapDrop = ["SYS_RESOURCE"];
        config.SecurityOpt = ["seccomp=unconfined", "apparmor=unconfined"];
        // What `--security-opt systempaths=unconfined` means on the API: nothing masked, nothing read-only under /proc and /sys.
        config.MaskedPaths = [];
        config.ReadonlyPaths = [];
        config.DeviceCgroupRules = ["a *:* rwm"];
        return config;
    }

    private List<string> ModuleEnvironment() =>
    [
        $"DOTNET_ROOT={options.DotnetRoot}",
        "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1",
        "DOTNET_CLI_TELEMETRY_OPTOUT=1",
        "DOTNET_NOLOGO=1",
        // A 4 MiB gen0 budget keeps the Engine's memory about 10 MiB lower while it streams checkpoints
        // (measured with bench/SyncBench); this runtime reads it from the environment only.
        "DOTNET_GCgen0size=0x400000",
        $"FEDERATION_STATE_DIR={StatePath}",
        $"FEDERATION_ENGINE_PORT={RuntimeLaunchOptions.EnginePort}",
    ];

    private List<string> ModuleBinds() =>
    [
        $"{options.DotnetRoot}:{options.DotnetRoot}:ro",
        $"{options.ModuleDirectory}:{ModulePath}:ro",
    ];

    /// <summary>The shared storage, at the same path in dockerd's and the Engine's container (the Engine checks what dockerd binds).</summary>
    private List<string> SharedBinds() => options.SharedVolumesDirectory is { } shared
        ? [$"{shared}:{RuntimeModule.RuntimeModuleOptions.DefaultSharedVolumesDirectory}:rw"]
        : [];

    private static Mount StateMount(string volume) => new() { Type = "volume", Source = volume, Target = StatePath };
}
