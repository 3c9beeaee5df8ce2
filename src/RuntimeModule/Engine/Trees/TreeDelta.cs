namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// Decides which files of a tree travel this round: those the destination's tree (the previous round's listing) does
/// not hold as they are now, by rsync's quick check plus ctime and inode (a same-size, same-mtime rewrite still moves
/// the ctime). Only those are hashed and sent; <see cref="Rehashing"/> sees each one (tests count them).
/// <para>
/// In a live round (the app runs on) a file written in the last <see cref="HotWindow"/> is left for a later round: it is
/// likely to change again, and a file that changes between its hashing and its sending would fail the receiver's
/// chunk checks. Its previous version (if the destination has one) stays listed as it was, so the next round sends it.
/// </para>
/// </summary>
public sealed class TreeDelta
{
    public static readonly TimeSpan HotWindow = TimeSpan.FromSeconds(2);

    /// <summary>Called with the tree name and path of every file whose content is read and hashed this round.</summary>
    public Action<string, string>? Rehashing { get; init; }

    public SyncedTree Mark(SyncedTree current, SyncedTree? previous, bool live, long nowNanoseconds)
    {
        var before = previous?.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal) ?? [];
        var hotSince = nowNanoseconds - (long)HotWindow.TotalNanoseconds;
        var entries = new List<TreeEntry>(current.Entries.Count);
        var hotFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in current.Entries)
        {
            if (entry.Kind == TreeEntryKind.HardLink)
            {
                if (hotFiles.Contains(entry.Target!)) continue;
                entries.Add(entry);
                continue;
            }
            if (entry.Kind != TreeEntryKind.File)
            {
                entries.Add(entry);
                continue;
            }
            before.TryGetValue(entry.Path, out var earlier);
            var unchanged = earlier is not null && entry.SameFileAs(earlier);
            if (!unchanged && live && Math.Max(entry.Mtime, entry.Ctime) >= hotSince)
            {
                hotFiles.Add(entry.Path);
                if (earlier is { Kind: TreeEntryKind.File }) entries.Add(earlier with { Sent = false });
                continue;
            }
            if (!unchanged) Rehashing?.Invoke(current.Name, entry.Path);
            entries.Add(entry with { Sent = !unchanged });
        }
        return current with { Entries = entries };
    }
}
