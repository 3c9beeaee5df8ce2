namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// Where the source reads an app container's trees (<c>fs-locations.json</c> in the checkpoint, meaningful on the source
/// only) and whether the app ran on after the dump (a live round).
/// </summary>
public sealed record TreeLocations
{
    public const string FileName = "fs-locations.json";

    public bool Live { get; init; }
    /// <summary>Tree name (<c>rootfs</c>, <c>volumes/&lt;name&gt;</c>) to its directory on the source.</summary>
    public Dictionary<string, string> Trees { get; init; } = [];

    public static TreeLocations Of(FilesystemLocations locations, bool live)
    {
        var trees = new Dictionary<string, string>(StringComparer.Ordinal);
        if (locations.UpperDirectory is { } upper) trees[SyncedTree.RootfsName] = upper;
        foreach (var (name, mountpoint) in locations.Volumes) trees[SyncedTree.VolumeName(name)] = mountpoint;
        return new TreeLocations { Live = live, Trees = trees };
    }
}
