namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// Where the source reads an app's trees (<c>fs-locations.json</c> in the checkpoint, meaningful on the source
/// only) and whether the app ran on after the dump (a live round).
/// </summary>
public sealed record TreeLocations
{
    public const string FileName = "fs-locations.json";

    public bool Live { get; init; }
    /// <summary>
    /// Tree name (<c>rootfs</c>, <c>volumes/&lt;name&gt;</c>; in a workload of several, each prefixed with its container's
    /// <see cref="SyncedTree.ContainerPrefix"/>) to its directory on the source.
    /// </summary>
    public Dictionary<string, string> Trees { get; init; } = [];

    /// <summary>A one-container app's trees, unprefixed.</summary>
    public static TreeLocations Of(FilesystemLocations locations, bool live) => Of([("", locations)], live);

    /// <summary>Several containers' trees, each under its prefix.</summary>
    public static TreeLocations Of(IReadOnlyList<(string Prefix, FilesystemLocations Locations)> parts, bool live)
    {
        var trees = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (prefix, locations) in parts)
        {
            if (locations.UpperDirectory is { } upper) trees[prefix + SyncedTree.RootfsName] = upper;
            foreach (var (name, mountpoint) in locations.Volumes) trees[prefix + SyncedTree.VolumeName(name)] = mountpoint;
        }
        return new TreeLocations { Live = live, Trees = trees };
    }
}
