using System.Runtime.InteropServices;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// The few libc calls a file tree needs beyond .NET's: lstat (owner, inode, ctime, device numbers), lchown, utimensat
/// without following links, mknod (overlay whiteouts), the overlay xattrs, link and rename. Linux x86_64 and arm64 share
/// no <c>struct stat</c> layout: this is x86_64's (the runtimes' architecture), checked once at first use.
/// </summary>
internal static unsafe partial class UnixFiles
{
    public const uint TypeMask = 0xF000;
    public const uint RegularType = 0x8000;
    public const uint DirectoryType = 0x4000;
    public const uint SymlinkType = 0xA000;
    public const uint CharDeviceType = 0x2000;

    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int NoData = 61;
    private const int NotSupported = 95;

    public static FileStat Lstat(string path)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new PlatformNotSupportedException("file trees are read with x86_64's struct stat");
        RawStat raw;
        if (lstat(path, &raw) != 0) throw Failure("lstat", path);
        return new FileStat(raw.Device, raw.Inode, raw.Links, raw.Mode, raw.Uid, raw.Gid, raw.Rdev, raw.Size,
            raw.MtimeSeconds * 1_000_000_000L + raw.MtimeNanoseconds, raw.CtimeSeconds * 1_000_000_000L + raw.CtimeNanoseconds);
    }

    public static void Lchown(string path, uint uid, uint gid)
    {
        if (lchown(path, uid, gid) != 0) throw Failure("lchown", path);
    }

    /// <summary>Sets the modification time (nanoseconds since the epoch) of the path itself, a symlink too; the access time follows it.</summary>
    public static void SetMtime(string path, long mtimeNanoseconds)
    {
        var times = stackalloc long[4];
        times[0] = mtimeNanoseconds / 1_000_000_000L;
        times[1] = mtimeNanoseconds % 1_000_000_000L;
        times[2] = times[0];
        times[3] = times[1];
        if (utimensat(AtCurrentDirectory, path, times, AtSymlinkNoFollow) != 0) throw Failure("utimensat", path);
    }

    /// <summary>An overlay whiteout: a character device 0/0.</summary>
    public static void MakeWhiteout(string path)
    {
        if (mknod(path, CharDeviceType, 0) != 0) throw Failure("mknod", path);
    }

    /// <summary>The value of an extended attribute of the path itself, or null when it has none (or the file system keeps none).</summary>
    public static string? GetXattr(string path, string name)
    {
        var buffer = stackalloc byte[256];
        var length = lgetxattr(path, name, buffer, 256);
        if (length >= 0) return System.Text.Encoding.UTF8.GetString(buffer, (int)length);
        var errno = Marshal.GetLastPInvokeError();
        if (errno is NoData or NotSupported) return null;
        throw Failure("lgetxattr", path, errno);
    }

    public static void SetXattr(string path, string name, string value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        fixed (byte* data = bytes)
            if (lsetxattr(path, name, data, (nuint)bytes.Length, 0) != 0) throw Failure("lsetxattr", path);
    }

    public static void Link(string existing, string path)
    {
        if (link(existing, path) != 0) throw Failure("link", path);
    }

    /// <summary>rename(2): atomic within one file system, refused (EXDEV) across two.</summary>
    /// <summary>Whether anything is at the path, a dangling symlink included (File/Directory.Exists follow links).</summary>
    public static bool Present(string path) => Path.Exists(path) || new FileInfo(path).LinkTarget is not null;

    /// <summary>Removes the entry at the path without following a symlink: a directory with all it holds, else the entry itself.</summary>
    public static void Delete(string path) => Delete(path, Lstat(path));

    /// <inheritdoc cref="Delete(string)"/>
    public static void Delete(string path, FileStat stat)
    {
        if (stat.Type == DirectoryType) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    /// <summary>EXDEV: a rename between two mounts (even of one file system).</summary>
    public const int CrossDevice = 18;

    public static void Rename(string from, string to)
    {
        if (rename(from, to) != 0) throw Failure("rename", from);
    }

    private static IOException Failure(string call, string path, int? errno = null)
    {
        var code = errno ?? Marshal.GetLastPInvokeError();
        return new IOException($"{call} '{path}': {Marshal.GetPInvokeErrorMessage(code)}", code);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RawStat
    {
        public ulong Device;
        public ulong Inode;
        public ulong Links;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        private readonly int padding;
        public ulong Rdev;
        public long Size;
        private readonly long blockSize;
        private readonly long blocks;
        private readonly long atimeSeconds;
        private readonly long atimeNanoseconds;
        public long MtimeSeconds;
        public long MtimeNanoseconds;
        public long CtimeSeconds;
        public long CtimeNanoseconds;
        private fixed long reserved[3];
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lstat(string path, RawStat* stat);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int directory, string path, long* times, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong device);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte* value, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rename(string from, string to);
}
