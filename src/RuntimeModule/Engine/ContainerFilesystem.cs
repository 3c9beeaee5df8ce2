using System.Formats.Tar;
using Docker.DotNet.Models;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Finds what CRIU does not carry: the app container's writable layer (the overlay upper directory) and its named
/// volumes, which now travel file by file with every round (<see cref="Trees.FileTreeSource"/>). Checkpoints written by
/// older Engines carry them as tar archives (<see cref="LayerArchive"/>, <see cref="VolumeArchive"/>) instead:
/// <see cref="ApplyAsync"/> still extracts those into the new container before it starts from the checkpoint.
/// </summary>
public sealed class ContainerFilesystem(DockerSocket docker)
{
    /// <summary>Remembered paths are forgotten all at once beyond this many (each restore makes a new container).</summary>
    private const int MaxRemembered = 256;

    // A container's upper directory is fixed for its life and a local volume's mountpoint by its name: each is asked of
    // dockerd once, so the final checkpoint (inside the client's downtime) asks nothing the pre-copy rounds already asked.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> uppers = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> mountpoints = new(StringComparer.Ordinal);

    public const string LayerArchive = "rootfs-diff.tar";

    public static string VolumeArchive(string volume) => $"volume-{volume}.tar";

    /// <summary>
    /// Where the container's writable layer and named volumes live. Asked before a dump: right after the app's
    /// process is dumped with exit, dockerd holds the container while it handles the exit, and an inspect then
    /// waits for it (about 200 ms on a loaded machine), inside the freeze.
    /// </summary>
    public async Task<FilesystemLocations> LocateAsync(string containerId, AppSpec spec, CancellationToken ct)
    {
        var upper = await UpperDirectoryAsync(containerId, ct);
        var volumes = new List<(string, string)>();
        foreach (var volume in spec.Volumes.Where(v => !v.Shared)) // shared storage is re-attached, never copied
            volumes.Add((volume.Name, await VolumeMountpointAsync(volume.Name, ct)));
        return new FilesystemLocations(upper, volumes);
    }

    public async Task ApplyAsync(string containerId, AppSpec spec, string checkpointDirectory, CancellationToken ct)
    {
        var layer = Path.Combine(checkpointDirectory, LayerArchive);
        if (File.Exists(layer))
        {
            var inspect = await docker.Client.Containers.InspectContainerAsync(containerId, ct);
            var upper = UpperDirectory(inspect) ?? throw new IOException(
                $"the container has no overlay upper directory (storage driver {inspect.GraphDriver?.Name}) to restore its writable layer into");
            await TarFile.ExtractToDirectoryAsync(layer, upper, overwriteFiles: true, ct);
        }
        foreach (var volume in spec.Volumes.Where(v => !v.Shared))
        {
            var archive = Path.Combine(checkpointDirectory, VolumeArchive(volume.Name));
            if (!File.Exists(archive)) continue;
            var mountpoint = (await docker.Client.Volumes.InspectAsync(volume.Name, ct)).Mountpoint;
            await TarFile.ExtractToDirectoryAsync(archive, mountpoint, overwriteFiles: true, ct);
        }
    }

    /// <summary>The container's overlay upper directory, or null when its storage driver has none.</summary>
    public async Task<string?> UpperDirectoryAsync(string containerId, CancellationToken ct)
    {
        if (uppers.TryGetValue(containerId, out var known) && Directory.Exists(known)) return known;
        var upper = UpperDirectory(await docker.Client.Containers.InspectContainerAsync(containerId, ct));
        if (upper is not null) Remember(uppers, containerId, upper);
        return upper;
    }

    public async Task<string> VolumeMountpointAsync(string volume, CancellationToken ct)
    {
        // Asked every time the volume is not there (a removed volume is created again by the next container).
        if (mountpoints.TryGetValue(volume, out var known) && Directory.Exists(known)) return known;
        var mountpoint = (await docker.Client.Volumes.InspectAsync(volume, ct)).Mountpoint;
        Remember(mountpoints, volume, mountpoint);
        return mountpoint;
    }

    private static void Remember(System.Collections.Concurrent.ConcurrentDictionary<string, string> paths, string key, string path)
    {
        if (paths.Count >= MaxRemembered) paths.Clear();
        paths[key] = path;
    }

    private static string? UpperDirectory(ContainerInspectResponse inspect) =>
        inspect.GraphDriver?.Data is { } data && data.TryGetValue("UpperDir", out var upper) && Directory.Exists(upper) ? upper : null;
}
