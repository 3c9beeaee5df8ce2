using System.Security.Cryptography;
using System.Text;
using Federation.SyncModule.Chunks;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// Persists the chunk digests of every completed transfer under &lt;root&gt;/.fedsync/index/, grouped
/// by the target's parent directory, so the next round into a sibling directory (the next
/// checkpoint of the same app) copies the chunks it already has instead of receiving them.
/// </summary>
internal sealed partial class ChunkIndexStore(SyncReceiverOptions options, ILogger<ChunkIndexStore> logger)
{
    private const uint Magic = 0x32585346; // "FSX2"

    private string IndexRoot => Path.Join(options.RootDirectory, RelativePath.ReservedPrefix, "index");

    public void Save(ReceivedManifest manifest)
    {
        var directory = ScopeDirectory(manifest.Target);
        Directory.CreateDirectory(directory);
        var path = Path.Join(directory, NameOf(manifest.Target) + ".idx");
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            var files = manifest.Entries.Where(e => e.Kind == EntryKind.File && e.ChunkCount > 0).ToList();
            writer.Write(Magic);
            writer.Write(manifest.ChunkSize);
            writer.Write(manifest.Target);
            writer.Write(files.Count);
            foreach (var file in files)
            {
                writer.Write(file.Path);
                writer.Write(file.Size);
                writer.Write(file.ChunkCount);
                writer.Write(file.ChunkDigests);
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Chunks of the most recent transfers that share the target's parent directory (the target itself included).</summary>
    public ChunkSources LoadSources(string target, int chunkSize)
    {
        var directory = ScopeDirectory(target);
        if (!Directory.Exists(directory) || options.IndexedSiblingTransfers <= 0) return ChunkSources.Empty;
        var sources = new ChunkSources();
        var recent = new DirectoryInfo(directory).EnumerateFiles("*.idx")
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .Take(options.IndexedSiblingTransfers);
        foreach (var file in recent)
        {
            try
            {
                Load(file.FullName, chunkSize, sources);
            }
            catch (Exception e) when (e is IOException or EndOfStreamException or InvalidDataException or UnauthorizedAccessException)
            {
                LogIndexUnreadable(logger, file.FullName, e.Message);
            }
        }
        return sources;
    }

    private void Load(string indexFile, int chunkSize, ChunkSources sources)
    {
        using var stream = new FileStream(indexFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadUInt32() != Magic) throw new InvalidDataException("not a chunk index");
        if (reader.ReadInt32() != chunkSize) return;
        var target = reader.ReadString();
        var targetPath = Path.Join(options.RootDirectory, target);
        if (!Directory.Exists(targetPath))
        {
            reader.Dispose();
            File.Delete(indexFile);
            return;
        }
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var path = reader.ReadString();
            reader.ReadInt64();
            var chunks = reader.ReadInt32();
            var digests = reader.ReadBytes(chunks * ChunkDigest.Size);
            if (digests.Length != chunks * ChunkDigest.Size) throw new EndOfStreamException();
            var full = Path.Join(targetPath, path);
            if (!File.Exists(full)) continue;
            var id = sources.AddFile(full);
            for (var c = 0; c < chunks; c++) sources.Add(ChunkDigest.Key(digests, c), new ChunkSource(id, c));
        }
    }

    private string ScopeDirectory(string target) => Path.Join(IndexRoot, NameOf(RelativePath.Parent(target) ?? ""));

    private static string NameOf(string path) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(path)).AsSpan(0, 12)).ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Warning, Message = "chunk index {File} is unreadable and was skipped: {Reason}")]
    private static partial void LogIndexUnreadable(ILogger logger, string file, string reason);
}
