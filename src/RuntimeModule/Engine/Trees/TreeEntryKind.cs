namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>What a path of a synced tree is.</summary>
public enum TreeEntryKind
{
    File = 1,
    Directory = 2,
    Symlink = 3,
    /// <summary>An overlay whiteout (character device 0/0): a file of the image deleted in the container.</summary>
    Whiteout = 4,
    /// <summary>A further name of a file listed earlier (same inode at the source).</summary>
    HardLink = 5,
}
