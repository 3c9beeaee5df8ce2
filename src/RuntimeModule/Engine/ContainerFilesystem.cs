using System.Formats.Tar;
using Docker.DotNet.Models;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Carries what CRIU does not: the app container's writable layer (the overlay upper directory, with
/// its whiteouts for deleted files) and its named volumes, as tar archives inside the checkpoint
/// directory, so they travel with it. Applied to the new container after it is created and before it
/// starts from the checkpoint, so files the process holds open are there when CRIU reopens them.
/// </summary>
public sealed class ContainerFilesystem(DockerSocket docker)
{
    public const string LayerArchive = "rootfs-diff.tar";

    public static string VolumeArchive(string volume) => $"volume-{volume}.tar";

    /// <summary>
    /// Where the container's writable layer and named volumes live. Asked before a dump: right after the app's
    /// process is dumped with exit, dockerd holds the container while it handles the exit, and an inspect then
    /// waits for it (about 200 ms on a loaded machine), inside the freeze.
    /// </summary>
    public async Task<FilesystemLocations> LocateAsync(string containerId, AppSpec spec, CancellationToken ct)
    {
        var inspect = await docker.Client.Containers.InspectContainerAsync(containerId, ct);
        var volumes = new List<(string, string)>();
        foreach (var volume in spec.Volumes)
            volumes.Add((VolumeArchive(volume.Name), (await docker.Client.Volumes.InspectAsync(volume.Name, ct)).Mountpoint));
        return new FilesystemLocations(UpperDirectory(inspect), volumes);
    }

    public static async Task SaveAsync(FilesystemLocations locations, string checkpointDirectory, CancellationToken ct)
    {
        if (locations.UpperDirectory is { } upper)
            await TarFile.CreateFromDirectoryAsync(upper, Path.Combine(checkpointDirectory, LayerArchive), includeBaseDirectory: false, ct);
        foreach (var (archive, mountpoint) in locations.Volumes)
            await TarFile.CreateFromDirectoryAsync(mountpoint, Path.Combine(checkpointDirectory, archive), includeBaseDirectory: false, ct);
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
        foreach (var volume in spec.Volumes)
        {
            var archive = Path.Combine(checkpointDirectory, VolumeArchive(volume.Name));
            if (!File.Exists(archive)) continue;
            var mountpoint = (await docker.Client.Volumes.InspectAsync(volume.Name, ct)).Mountpoint;
            await TarFile.ExtractToDirectoryAsync(archive, mountpoint, overwriteFiles: true, ct);
        }
    }

    private static string? UpperDirectory(ContainerInspectResponse inspect) =>
        inspect.GraphDriver?.Data is { } data && data.TryGetValue("UpperDir", out var upper) && Directory.Exists(upper) ? upper : null;
}
