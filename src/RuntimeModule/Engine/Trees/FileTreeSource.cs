using System.Diagnostics;
using Federation.SyncModule.Sender;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// The source side of the tree sync. A checkpoint records where the container's trees are (<see cref="TreeLocations"/>);
/// its push reads them in place, lists them, and sends only the files the destination's tree lacks since the round it
/// is at (<see cref="TreeDelta"/>), as <c>fs/&lt;tree&gt;/&lt;path&gt;</c> beside the listing (<see cref="TreeListing.FileName"/>).
/// </summary>
public sealed class FileTreeSource(CheckpointVolume volume)
{
    /// <summary>Tests watch which files are re-hashed through it.</summary>
    public TreeDelta Delta { get; init; } = new();

    public const string SentDirectory = "fs";

    public static void WriteLocations(string checkpointDirectory, FilesystemLocations locations, bool live) =>
        WriteLocations(checkpointDirectory, TreeLocations.Of(locations, live));

    public static void WriteLocations(string checkpointDirectory, TreeLocations locations) =>
        TreeFiles.Write(Path.Combine(checkpointDirectory, TreeLocations.FileName), locations);

    /// <summary>The round's trees for a push to <paramref name="target"/>, or null for a checkpoint without them (a pre-dump, an older Engine's).</summary>
    /// <param name="destinationBase">The round the destination's tree is at, as its transfer token says ("" none); null: not said.</param>
    public PreparedTrees? Prepare(string app, string checkpoint, string target, string? destinationBase = null)
    {
        var directory = volume.CheckpointDirectory(app, checkpoint);
        if (TreeFiles.Read<TreeLocations>(Path.Combine(directory, TreeLocations.FileName)) is not { } locations) return null;
        var watch = Stopwatch.StartNew();
        var sent = TreeFiles.Read<SentTrees>(StatePath(app));
        var previous = sent is not null && sent.Target == target && (destinationBase is null || destinationBase == sent.Listing.Checkpoint)
            ? sent.Listing
            : null;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        var trees = new List<SyncedTree>();
        var files = new List<ExtraFile>();
        long bytes = 0;
        foreach (var (name, root) in locations.Trees.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!Directory.Exists(root)) throw new IOException($"{name} of app '{app}' is gone from the source ('{root}')");
            var tree = Delta.Mark(TreeScanner.Scan(name, root), previous?.Trees.FirstOrDefault(t => t.Name == name), locations.Live, now);
            trees.Add(tree);
            foreach (var entry in tree.Entries.Where(e => e.Sent))
            {
                files.Add(new ExtraFile($"{SentDirectory}/{name}/{entry.Path}", Path.Join(root, entry.Path)));
                bytes += entry.Size;
            }
        }
        var listing = new TreeListing { Checkpoint = checkpoint, Base = previous?.Checkpoint ?? "", Trees = trees };
        TreeFiles.Write(Path.Combine(directory, TreeListing.FileName), listing);
        return new PreparedTrees(listing, files, bytes, watch.Elapsed);
    }

    /// <summary>The receiver applied the round: the next one is a delta against it.</summary>
    public void Sent(string app, string target, TreeListing listing) =>
        TreeFiles.Write(StatePath(app), new SentTrees { Target = target, Listing = listing });

    /// <summary>The receiver refused a round's base (or its tree is torn): the next round sends every file.</summary>
    public void Forget(string app) => File.Delete(StatePath(app));

    private string StatePath(string app) => Path.Combine(volume.AppDirectory(app), SentTrees.FileName);
}
