using Federation.SyncModule.Sender;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>A round's trees as the push sends them: the listing, the changed files read in place, and what reading took.</summary>
public sealed record PreparedTrees(TreeListing Listing, IReadOnlyList<ExtraFile> Files, long Bytes, TimeSpan ScanTime);
