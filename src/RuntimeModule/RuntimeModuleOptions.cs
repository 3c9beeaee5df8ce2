using Federation.Common;

namespace Federation.RuntimeModule;

/// <summary>
/// Where the runtime module finds the inner dockerd and its shared volume. In a pod every container
/// mounts the same volume at <see cref="StateDirectory"/>; here it is a Docker volume on tmpfs.
/// </summary>
public sealed class RuntimeModuleOptions
{
    public const string DefaultStateDirectory = "/var/lib/federation";

    /// <summary>Where a runtime sees the shared storage its orchestrator gives it (the same path in dockerd's and the Engine's container).</summary>
    public const string DefaultSharedVolumesDirectory = "/var/lib/federation-shared";

    /// <summary>The shared volume: docker data root, checkpoints, app registry and the docker socket live under it.</summary>
    public string StateDirectory { get; set; } = DefaultStateDirectory;

    /// <summary>The inner dockerd's API socket; defaults to <c>run/docker.sock</c> under the state directory.</summary>
    public string? DockerSocket { get; set; }

    /// <summary>Host the Engine uses to reach app ports when probing (the runtime's network namespace).</summary>
    public string AppProbeHost { get; set; } = "127.0.0.1";

    public int EnginePort { get; set; } = 50051;

    /// <summary>runc's state root for Docker's containers inside the runtime (Docker's default).</summary>
    public string RuncRoot { get; set; } = "/run/docker/runtime-runc/moby";

    /// <summary>The credential the Engine demands of every caller (its coordinator gives it at creation); FEDERATION_ENGINE_TOKEN.</summary>
    public string EngineToken { get; set; } = "";

    /// <summary>Serve the Engine without a credential (FEDERATION_ENGINE_INSECURE=1): anyone who reaches its port may use it.</summary>
    public bool InsecureEngine { get; set; }

    /// <summary>
    /// Shared storage: each shared volume of an app is the directory of its name here, bound into the app container, never
    /// copied (FEDERATION_SHARED_VOLUMES_DIR).
    /// </summary>
    public string SharedVolumesDirectory { get; set; } = DefaultSharedVolumesDirectory;

    public string DockerSocketPath => DockerSocket ?? Path.Combine(StateDirectory, "run", "docker.sock");
    public string CheckpointDirectory => Path.Combine(StateDirectory, "checkpoints");
    public string AppsDirectory => Path.Combine(StateDirectory, "apps");

    public static RuntimeModuleOptions FromEnvironment()
    {
        var options = new RuntimeModuleOptions();
        var state = Environment.GetEnvironmentVariable("FEDERATION_STATE_DIR");
        if (!string.IsNullOrEmpty(state)) options.StateDirectory = state;
        var socket = Environment.GetEnvironmentVariable("FEDERATION_DOCKER_SOCKET");
        if (!string.IsNullOrEmpty(socket)) options.DockerSocket = socket;
        var port = Environment.GetEnvironmentVariable("FEDERATION_ENGINE_PORT");
        if (!string.IsNullOrEmpty(port)) options.EnginePort = int.Parse(port, System.Globalization.CultureInfo.InvariantCulture);
        var shared = Environment.GetEnvironmentVariable("FEDERATION_SHARED_VOLUMES_DIR");
        if (!string.IsNullOrEmpty(shared)) options.SharedVolumesDirectory = shared;
        options.EngineToken = Environment.GetEnvironmentVariable("FEDERATION_ENGINE_TOKEN") ?? "";
        options.InsecureEngine = Environment.GetEnvironmentVariable("FEDERATION_ENGINE_INSECURE") == "1";
        return options;
    }

    public void Validate()
    {
        if (!Path.IsPathRooted(StateDirectory))
            throw FederationException.InvalidArgument($"state directory '{StateDirectory}' must be an absolute path");
        if (!Path.IsPathRooted(SharedVolumesDirectory))
            throw FederationException.InvalidArgument($"shared volumes directory '{SharedVolumesDirectory}' must be an absolute path");
        if (EnginePort is < 1 or > 65535)
            throw FederationException.InvalidArgument($"engine port {EnginePort} is out of range");
    }
}
