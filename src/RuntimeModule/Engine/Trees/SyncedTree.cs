namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>One tree of a listing: its name (<c>rootfs</c>, <c>volumes/&lt;name&gt;</c>), its root directory's own metadata and its entries, parents first.</summary>
public sealed record SyncedTree
{
    public const string RootfsName = "rootfs";

    public static string VolumeName(string volume) => "volumes/" + volume;

    public string Name { get; init; } = "";
    public TreeEntry? Root { get; init; }
    public List<TreeEntry> Entries { get; init; } = [];
}
