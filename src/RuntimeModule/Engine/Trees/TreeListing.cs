namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// Every tree of one app container as one round found it (<c>fs-tree.json</c> in the checkpoint): the writable layer
/// (<c>rootfs</c>) and each named volume (<c>volumes/&lt;name&gt;</c>). <see cref="Base"/> is the round the destination's
/// tree must be at for the files not sent to be there ("" when every file is sent).
/// </summary>
public sealed record TreeListing
{
    public const string FileName = "fs-tree.json";

    public string Checkpoint { get; init; } = "";
    public string Base { get; init; } = "";
    public List<SyncedTree> Trees { get; init; } = [];
}
