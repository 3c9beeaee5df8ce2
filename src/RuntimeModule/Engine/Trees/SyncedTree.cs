namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>One tree of a listing: its name (<c>rootfs</c>, <c>volumes/&lt;name&gt;</c>, prefixed <c>&lt;container&gt;/</c> in a workload of several), its root directory's own metadata and its entries, parents first.</summary>
public sealed record SyncedTree
{
    public const string RootfsName = "rootfs";

    public static string VolumeName(string volume) => "volumes/" + volume;

    /// <summary>What a workload of several puts before each container's tree names: <c>&lt;container&gt;/</c>.</summary>
    public static string ContainerPrefix(string container) => container + "/";

    public string Name { get; init; } = "";
    public TreeEntry? Root { get; init; }
    public List<TreeEntry> Entries { get; init; } = [];
}
