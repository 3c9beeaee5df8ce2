namespace Federation.Adapters.Docker;

/// <summary>A running runtime on a Docker host: its containers, its shared volume and where to reach it.</summary>
public sealed record RuntimeInstance(
    string Name,
    string RuntimeContainerId,
    string EngineContainerId,
    string VolumeName,
    string VolumeHostPath,
    Uri EngineEndpoint,
    IReadOnlyDictionary<int, int> PublishedPorts,
    string PeerAddress)
{
    /// <summary>The Engine (and its Sync receiver) as other runtimes reach it over the outer Docker network.</summary>
    public Uri PeerEngineEndpoint => new($"http://{PeerAddress}:{RuntimeLaunchOptions.EnginePort}");

    /// <summary>The inner dockerd's socket as the host sees it.</summary>
    public string DockerSocketHostPath => Path.Combine(VolumeHostPath, "run", "docker.sock");

    /// <summary>The checkpoint volume as the host sees it.</summary>
    public string CheckpointHostPath => Path.Combine(VolumeHostPath, "checkpoints");
}
