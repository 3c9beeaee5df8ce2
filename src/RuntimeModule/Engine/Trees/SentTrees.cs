namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// What the source last sent of an app's trees, and to which receiver (<c>&lt;app&gt;/.fs-sent.json</c> in the source's
/// checkpoint volume). Written only after the receiver applied the round; deleted when the receiver refuses a round's base, so
/// the next round sends every file (a push that broke before the receiver applied it leaves the receiver at the old base). On the Engine's state volume: an Engine restart keeps it, and at worst costs a full re-send.
/// </summary>
public sealed record SentTrees
{
    public const string FileName = ".fs-sent.json";

    public string Target { get; init; } = "";
    public TreeListing Listing { get; init; } = new();
}
