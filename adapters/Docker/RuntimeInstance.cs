namespace Federation.Adapters.Docker;

/// <summary>A running runtime on a Docker host: its containers, its shared volume and where to reach it.</summary>
/// <param name="EngineEndpoint">The Engine as this host's coordinator reaches it: published on 127.0.0.1.</param>
/// <param name="PublishedPorts">Runtime port -> host port on 127.0.0.1, the Engine's among them.</param>
/// <param name="PeerEngineEndpoint">The Engine (and its Sync receiver) as other clusters' runtimes reach it: published on the gateway address of the runtimes' network.</param>
public sealed record RuntimeInstance(
    string Name,
    string RuntimeContainerId,
    string EngineContainerId,
    string VolumeName,
    string VolumeHostPath,
    Uri EngineEndpoint,
    IReadOnlyDictionary<int, int> PublishedPorts,
    Uri PeerEngineEndpoint)
{
    /// <summary>The inner dockerd's socket as the host sees it.</summary>
    public string DockerSocketHostPath => Path.Combine(VolumeHostPath, "run", "docker.sock");

    /// <summary>The checkpoint volume as the host sees it.</summary>
    public string CheckpointHostPath => Path.Combine(VolumeHostPath, "checkpoints");
}
