namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>What lstat says about one path (times in nanoseconds since the epoch).</summary>
internal readonly record struct FileStat(ulong Device, ulong Inode, ulong Links, uint Mode, uint Uid, uint Gid, ulong Rdev, long Size,
    long Mtime, long Ctime)
{
    public uint Type => Mode & UnixFiles.TypeMask;
    public uint Permissions => Mode & 0xFFF;
}
