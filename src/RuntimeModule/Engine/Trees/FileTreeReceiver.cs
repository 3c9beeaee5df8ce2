using Federation.Common;
using Federation.SyncModule.Receiver;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// The destination side of the tree sync: when a checkpoint's transfer completes with a listing, the app's one tree
/// (<see cref="AppliedTree"/>) is brought to it in place (<see cref="TreeApplier"/>), before the sender's push returns.
/// A round whose base is not the round the tree is at is refused (Aborted: the sender forgets what it sent and the
/// retried push carries every file).
/// </summary>
public sealed class FileTreeReceiver(CheckpointVolume volume, AppLocks locks) : ISyncTransferCompletion
{
    /// <summary>Starts the refusal of a round against another base: the source, seeing it, sends every file next time.</summary>
    public const string BaseMismatch = "file tree base mismatch: ";

    public async Task CompletedAsync(string target, CancellationToken cancellationToken)
    {
        if (target.Split('/') is not [var app, var checkpoint]) return;
        var directory = volume.CheckpointDirectory(app, checkpoint);
        if (!File.Exists(Path.Combine(directory, TreeListing.FileName))) return;
        var listing = TreeFiles.Read<TreeListing>(Path.Combine(directory, TreeListing.FileName))
            ?? throw FederationException.InvalidArgument($"the file tree listing of '{target}' is unreadable");
        using var held = await locks.LockAsync(app, cancellationToken);
        Apply(volume, app, directory, listing);
    }

    public static void Apply(CheckpointVolume volume, string app, string checkpointDirectory, TreeListing listing)
    {
        TreeListingCheck.Check(listing);
        var root = AppliedTree.Root(volume, app);
        var at = AppliedTree.At(root);
        if (listing.Base.Length > 0 && at != listing.Base)
            throw new FederationException(FederationError.Aborted, BaseMismatch +
                $"the file tree of app '{app}' here is at '{(at.Length == 0 ? "nothing" : at)}' but round '{listing.Checkpoint}' changes '{listing.Base}': send it whole");
        AppliedTree.Mark(root, "");
        try
        {
            foreach (var tree in listing.Trees)
                TreeApplier.Apply(tree, Path.Join(root, tree.Name), Path.Join(checkpointDirectory, FileTreeSource.SentDirectory, tree.Name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FederationException(FederationError.Aborted, BaseMismatch + $"applying round '{listing.Checkpoint}' to the file tree of app '{app}' failed: {e.Message}");
        }
        AppliedTree.Mark(root, listing.Checkpoint);
    }
}
