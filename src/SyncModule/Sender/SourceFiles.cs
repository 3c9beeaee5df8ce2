using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace Federation.SyncModule.Sender;

/// <summary>Read handles of the source files, opened on first use and shared by all streams.</summary>
internal sealed class SourceFiles(SourceManifest manifest) : IDisposable
{
    private readonly ConcurrentDictionary<int, Lazy<SafeFileHandle>> open = new();

    public SafeFileHandle Get(int entry) => open.GetOrAdd(entry, e => new Lazy<SafeFileHandle>(() =>
        File.OpenHandle(manifest.Entries[e].FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))).Value;

    public void Dispose()
    {
        foreach (var handle in open.Values)
            if (handle.IsValueCreated) handle.Value.Dispose();
        open.Clear();
    }
}
