using Federation.V1;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// Gives restored containers their trees without copying them: the app's tree (<see cref="AppliedTree"/>), on the same
/// state volume as Docker's data root, is renamed entry by entry into the new container's upper directory and volume
/// mountpoints. First the whole tree is renamed aside (<c>.fs-taken</c>), so a restore that fails half way, a rollback
/// or a second restore never finds a half-moved tree: it finds none, and says so (the next push of the app sends
/// every file). A rollback on the source keeps the stopped container's writable layer the same way
/// (<see cref="KeepLayersAsync"/>).
/// </summary>
public sealed class FileTreeRestore(CheckpointVolume volume, ContainerFilesystem filesystem)
{
    private const string TakenName = ".fs-taken";

    /// <summary>Why the restore that took the tree failed (checkpoint, then the reason), so a retried restore says so.</summary>
    private const string FailedName = ".fs-failed-restore";

    /// <summary>True when the checkpoint carries its trees this way (false: an older Engine's, with tar archives).</summary>
    public static bool Carries(string checkpointDirectory) =>
        File.Exists(Path.Combine(checkpointDirectory, TreeLocations.FileName)) || File.Exists(Path.Combine(checkpointDirectory, TreeListing.FileName));

    /// <summary>
    /// Before the app's old containers here are removed for a restore from <paramref name="checkpoint"/> of this runtime's
    /// own (a rollback): their writable layers become the app's tree (each under its prefix), unless a synced tree of
    /// that checkpoint is here. Volumes stay where they are (the new containers mount the same ones).
    /// </summary>
    public async Task KeepLayersAsync(string app, string checkpoint, IReadOnlyList<(string Prefix, string OldContainerId)> old, CancellationToken ct)
    {
        var root = AppliedTree.Root(volume, app);
        if (!Carries(volume.CheckpointDirectory(app, checkpoint)) || AppliedTree.At(root) == checkpoint) return;
        var uppers = new List<(string Prefix, string Upper)>();
        foreach (var (prefix, id) in old)
        {
            if (await filesystem.UpperDirectoryAsync(id, ct) is { } upper) uppers.Add((prefix, upper));
        }
        if (uppers.Count == 0) return;
        FileTree.TryDelete(root);
        foreach (var (prefix, upper) in uppers)
        {
            var rootfs = Path.Combine(root, prefix + SyncedTree.RootfsName);
            Directory.CreateDirectory(rootfs);
            await MoveChildrenAsync(upper, rootfs, ct);
        }
        AppliedTree.Mark(root, checkpoint);
    }

    /// <summary>Moves the app's tree of <paramref name="checkpoint"/> into the new containers (created, not started).</summary>
    public async Task MoveIntoAsync(string app, string checkpoint, IReadOnlyList<TreeTarget> targets, CancellationToken ct)
    {
        var root = AppliedTree.Root(volume, app);
        var at = Directory.Exists(root) ? AppliedTree.At(root) : "";
        if (at != checkpoint)
        {
            if (!File.Exists(Path.Combine(volume.CheckpointDirectory(app, checkpoint), TreeListing.FileName))) return; // never pushed, nothing kept
            if (FailedRestore(app, checkpoint) is { } reason)
                throw new IOException($"an earlier restore of '{checkpoint}' took the file tree of app '{app}' and failed: {reason}; move the app again");
            throw new IOException($"the file tree of app '{app}' here is at '{(at.Length == 0 ? "nothing" : at)}', not '{checkpoint}' " +
                "(an earlier restore took it, or its round did not finish): move the app again");
        }
        File.Delete(Path.Combine(volume.AppDirectory(app), FailedName));
        var taken = Path.Combine(volume.AppDirectory(app), TakenName);
        FileTree.TryDelete(taken);
        UnixFiles.Rename(root, taken);
        foreach (var target in targets) await MoveIntoAsync(taken, target, ct);
        FileTree.TryDelete(taken);
    }

    private async Task MoveIntoAsync(string taken, TreeTarget target, CancellationToken ct)
    {
        var rootfs = Path.Combine(taken, target.Prefix + SyncedTree.RootfsName);
        if (Directory.Exists(rootfs))
        {
            var upper = await filesystem.UpperDirectoryAsync(target.ContainerId, ct)
                ?? throw new IOException("the new container has no overlay upper directory to move its writable layer into");
            await MoveChildrenAsync(rootfs, upper, ct);
        }
        foreach (var mount in target.Spec.Volumes.Where(v => !v.Shared))
        {
            var tree = Path.Combine(taken, target.Prefix + SyncedTree.VolumeName(mount.Name));
            if (!Directory.Exists(tree)) continue;
            var mountpoint = await filesystem.VolumeMountpointAsync(mount.Name, ct);
            foreach (var existing in Directory.EnumerateFileSystemEntries(mountpoint).ToList()) UnixFiles.Delete(existing);
            await MoveChildrenAsync(tree, mountpoint, ct);
            var own = UnixFiles.Lstat(tree);
            TreeApplier.SetMetadata(mountpoint, new TreeEntry { Kind = TreeEntryKind.Directory, Mode = own.Permissions, Uid = own.Uid, Gid = own.Gid, Mtime = own.Mtime },
                setMtime: true);
        }
    }

    /// <summary>
    /// A restore that took the tree of <paramref name="checkpoint"/> failed: the tree went with the containers it removed, so a
    /// retried restore of that checkpoint fails too, and then names this first reason instead of a missing tree.
    /// </summary>
    public void RecordFailedRestore(string app, string checkpoint, string reason)
    {
        if (Directory.Exists(AppliedTree.Root(volume, app))) return; // not taken: a retry finds it
        File.WriteAllText(Path.Combine(volume.AppDirectory(app), FailedName), checkpoint + "\n" + reason);
    }

    private string? FailedRestore(string app, string checkpoint)
    {
        var path = Path.Combine(volume.AppDirectory(app), FailedName);
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllText(path).Split('\n', 2);
        return lines.Length == 2 && lines[0] == checkpoint ? lines[1] : null;
    }

    /// <summary>
    /// Moves every entry of <paramref name="from"/> into <paramref name="to"/>, replacing what is there: rename(2) when both
    /// are on one mount (the state volume holds <c>checkpoints/</c> and Docker's data root), else (EXDEV: another mount or
    /// file system, as in a Marathon runtime) a copy that keeps owners, modes, mtimes, hard links, device nodes (whiteouts)
    /// and xattrs (<see cref="TreeCopy"/>), then the originals go.
    /// </summary>
    private static async Task MoveChildrenAsync(string from, string to, CancellationToken ct)
    {
        var children = Directory.EnumerateFileSystemEntries(from).ToList();
        foreach (var child in children)
        {
            var target = Path.Join(to, Path.GetFileName(child));
            if (UnixFiles.Present(target)) UnixFiles.Delete(target);
        }
        foreach (var child in children)
        {
            try
            {
                UnixFiles.Rename(child, Path.Join(to, Path.GetFileName(child)));
            }
            catch (IOException e) when (e.HResult == UnixFiles.CrossDevice)
            {
                // Another mount (or file system): what is left of `from` is copied in one go, so hard links among it stay one inode.
                await TreeCopy.CopyChildrenAsync(from, to, ct);
                foreach (var left in Directory.EnumerateFileSystemEntries(from).ToList()) UnixFiles.Delete(left);
                return;
            }
        }
    }
}
