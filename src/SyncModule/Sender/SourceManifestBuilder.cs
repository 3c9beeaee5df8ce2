using Federation.Common;
using Federation.SyncModule.Chunks;
using Federation.V1;

namespace Federation.SyncModule.Sender;

/// <summary>
/// Walks a source directory (symlinks are recorded, never followed) and hashes every file chunk by
/// chunk: small files in parallel, big files split among the workers.
/// </summary>
internal static class SourceManifestBuilder
{
    private const long SplitFileBytes = 16 << 20;

    public static async Task<SourceManifest> BuildAsync(string sourceDirectory, int chunkSize, int parallelism, CancellationToken cancellationToken,
        IReadOnlyList<ExtraFile>? extraFiles = null)
    {
        var root = new DirectoryInfo(Path.GetFullPath(sourceDirectory));
        if (!root.Exists) throw FederationException.NotFound($"source directory '{sourceDirectory}' does not exist");
        var entries = new List<SourceEntry>();
        Walk(root, "", entries);
        foreach (var extra in extraFiles ?? [])
        {
            var info = new FileInfo(extra.FullPath);
            if (!info.Exists || info.LinkTarget is not null) throw FederationException.NotFound($"file '{extra.FullPath}' to send does not exist");
            entries.Add(new SourceEntry(extra.Path, info.FullName, EntryKind.File, UnixModes.Of(info)) { Size = info.Length });
        }

        var files = entries.Where(e => e.Kind == EntryKind.File).ToList();
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(files.Where(f => f.Size < SplitFileBytes), options,
            async (file, token) => await HashAsync(file, chunkSize, 1, token));
        foreach (var file in files.Where(f => f.Size >= SplitFileBytes))
            await HashAsync(file, chunkSize, parallelism, cancellationToken);
        return new SourceManifest(chunkSize, entries);
    }

    private static void Walk(DirectoryInfo directory, string prefix, List<SourceEntry> entries)
    {
        foreach (var info in directory.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var path = prefix + info.Name;
            var mode = UnixModes.Of(info);
            if (info.LinkTarget is { } linkTarget)
            {
                entries.Add(new SourceEntry(path, info.FullName, EntryKind.Symlink, mode) { LinkTarget = linkTarget });
            }
            else if (info is DirectoryInfo child)
            {
                entries.Add(new SourceEntry(path, info.FullName, EntryKind.Directory, mode));
                Walk(child, path + "/", entries);
            }
            else if (info is FileInfo file)
            {
                entries.Add(new SourceEntry(path, info.FullName, EntryKind.File, mode) { Size = file.Length });
            }
        }
    }

    private static async Task HashAsync(SourceEntry file, int chunkSize, int parallelism, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var digests = new byte[ChunkDigest.ChunkCount(file.Size, chunkSize) * ChunkDigest.Size];
        await FileChunkHasher.HashIntoAsync(handle, file.Size, chunkSize, digests, parallelism, cancellationToken);
        file.ChunkDigests = digests;
        file.FileDigest = ChunkDigest.FileDigest(digests);
    }
}
