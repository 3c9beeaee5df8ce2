using Microsoft.Win32.SafeHandles;

namespace Federation.SyncModule;

/// <summary>Unix permission bits; no-ops where the platform has none.</summary>
internal static class UnixModes
{
    public static void Set(SafeFileHandle file, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, mode);
    }

    public static void Set(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    public static UnixFileMode Of(FileSystemInfo info) => OperatingSystem.IsWindows() ? 0 : info.UnixFileMode;
}
