using Federation.Common;
using Federation.SyncModule.Chunks;
using Federation.V1;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// Reads the manifest part of an Offer and checks it as it arrives: limits (manifest bytes, entries,
/// total bytes, chunk size) and paths (relative, no '..', no entry below a file or a symlink); once it
/// is whole, every symlink is resolved against the target as it will be (<see cref="LinkResolver"/>)
/// and one that leads outside or loops is refused. Nothing is written while reading.
/// </summary>
internal sealed class ManifestReader(SyncReceiverOptions options)
{
    public async Task<ReceivedManifest> ReadAsync(
        string target, OfferHeader header, long headerBytes, IAsyncEnumerable<OfferPart> parts, CancellationToken cancellationToken)
    {
        var chunkSize = (int)Math.Min(header.ChunkSize, int.MaxValue);
        if (chunkSize < ChunkDigest.PageSize || chunkSize % ChunkDigest.PageSize != 0 || chunkSize > options.MaxChunkSize)
            throw FederationException.InvalidArgument(
                $"chunk size {header.ChunkSize} must be a multiple of {ChunkDigest.PageSize} up to {options.MaxChunkSize}");
        if (header.EntryCount > options.MaxEntries)
            throw FederationException.InvalidArgument($"the manifest lists {header.EntryCount} entries; the limit is {options.MaxEntries}");
        if (header.TotalBytes > (ulong)options.MaxTotalBytes)
            throw FederationException.InvalidArgument($"the transfer holds {header.TotalBytes} bytes; the limit is {options.MaxTotalBytes}");

        var manifestBytes = headerBytes;
        var entries = new List<ReceivedEntry>((int)header.EntryCount);
        var kinds = new Dictionary<string, EntryKind>(StringComparer.Ordinal);
        long totalBytes = 0;
        var ended = false;
        await foreach (var part in parts.WithCancellation(cancellationToken))
        {
            if (ended) throw FederationException.InvalidArgument("the manifest continues after its end");
            manifestBytes += part.CalculateSize();
            if (manifestBytes > options.MaxManifestBytes)
                throw FederationException.InvalidArgument($"the manifest exceeds {options.MaxManifestBytes} bytes");
            switch (part.PartCase)
            {
                case OfferPart.PartOneofCase.Entry:
                    if (entries.Count > 0) CheckDigestsComplete(entries[^1]);
                    if (entries.Count >= header.EntryCount)
                        throw FederationException.InvalidArgument($"the manifest has more than the {header.EntryCount} entries its header announced");
                    var entry = ToEntry(entries.Count, part.Entry, chunkSize, kinds);
                    totalBytes += entry.Size;
                    if (totalBytes > (long)header.TotalBytes || totalBytes > options.MaxTotalBytes)
                        throw FederationException.InvalidArgument($"the files hold more than the announced {header.TotalBytes} bytes or the limit of {options.MaxTotalBytes}");
                    AppendDigests(entry, part.Entry.ChunkDigests.Span);
                    entries.Add(entry);
                    break;
                case OfferPart.PartOneofCase.MoreDigests:
                    if (entries.Count == 0) throw FederationException.InvalidArgument("chunk digests arrived before any entry");
                    AppendDigests(entries[^1], part.MoreDigests.Span);
                    break;
                case OfferPart.PartOneofCase.End:
                    ended = true;
                    break;
                default:
                    throw FederationException.InvalidArgument($"unexpected manifest part {part.PartCase}");
            }
        }
        if (!ended) throw FederationException.InvalidArgument("the manifest stream ended without its end marker");
        if (entries.Count != header.EntryCount)
            throw FederationException.InvalidArgument($"the manifest has {entries.Count} entries; its header announced {header.EntryCount}");
        if (entries.Count > 0) CheckDigestsComplete(entries[^1]);
        CheckAncestors(entries, kinds);
        new LinkResolver(new TargetDirectory(options.RootDirectory, target), entries).Check();
        return new ReceivedManifest(target, chunkSize, entries, totalBytes);
    }

    private ReceivedEntry ToEntry(int index, ManifestEntry wire, int chunkSize, Dictionary<string, EntryKind> kinds)
    {
        var path = RelativePath.Normalize(wire.Path, "entry path");
        if (!kinds.TryAdd(path, wire.Kind)) throw FederationException.InvalidArgument($"entry path '{RelativePath.Shorten(path)}' appears twice");
        if (wire.Mode > 0xFFF) throw FederationException.InvalidArgument($"entry '{RelativePath.Shorten(path)}' has an invalid mode {wire.Mode}");
        var mode = (UnixFileMode)wire.Mode;
        switch (wire.Kind)
        {
            case EntryKind.File:
                if (wire.Size > (ulong)options.MaxTotalBytes)
                    throw FederationException.InvalidArgument($"file '{RelativePath.Shorten(path)}' is larger than the limit of {options.MaxTotalBytes} bytes");
                var size = (long)wire.Size;
                var chunks = ChunkDigest.ChunkCount(size, chunkSize);
                if ((long)chunks * ChunkDigest.Size > options.MaxManifestBytes)
                    throw FederationException.InvalidArgument($"the manifest exceeds {options.MaxManifestBytes} bytes");
                if (wire.FileDigest.Length != ChunkDigest.Size)
                    throw FederationException.InvalidArgument($"file '{RelativePath.Shorten(path)}' has no 16-byte digest");
                return new ReceivedEntry(index, path, EntryKind.File, mode)
                {
                    Size = size,
                    ChunkCount = chunks,
                    ChunkDigests = new byte[chunks * ChunkDigest.Size],
                    FileDigest = wire.FileDigest.ToByteArray(),
                };
            case EntryKind.Directory:
                return new ReceivedEntry(index, path, EntryKind.Directory, mode);
            case EntryKind.Symlink:
                // Only the form here; where the link really leads is decided once the whole manifest is known (LinkResolver).
                if (string.IsNullOrEmpty(wire.LinkTarget) || wire.LinkTarget.Length > RelativePath.MaxLength || wire.LinkTarget.Contains('\0'))
                    throw FederationException.InvalidArgument($"symlink '{RelativePath.Shorten(path)}' has an empty, overlong or NUL-containing target");
                if (wire.LinkTarget.StartsWith('/'))
                    throw FederationException.InvalidArgument(
                        $"symlink '{RelativePath.Shorten(path)}' points to '{RelativePath.Shorten(wire.LinkTarget)}', outside the target directory");
                return new ReceivedEntry(index, path, EntryKind.Symlink, mode) { LinkTarget = wire.LinkTarget };
            default:
                throw FederationException.InvalidArgument($"entry '{RelativePath.Shorten(path)}' has an unknown kind {wire.Kind}");
        }
    }

    private static void AppendDigests(ReceivedEntry entry, ReadOnlySpan<byte> digests)
    {
        if (digests.Length == 0) return;
        if (entry.Kind != EntryKind.File || entry.DigestBytesReceived + digests.Length > entry.ChunkDigests.Length)
            throw FederationException.InvalidArgument($"entry '{RelativePath.Shorten(entry.Path)}' has more chunk digests than chunks");
        digests.CopyTo(entry.ChunkDigests.AsSpan(entry.DigestBytesReceived));
        entry.DigestBytesReceived += digests.Length;
    }

    private static void CheckDigestsComplete(ReceivedEntry entry)
    {
        if (entry.DigestBytesReceived != entry.ChunkDigests.Length)
            throw FederationException.InvalidArgument(
                $"file '{RelativePath.Shorten(entry.Path)}' has {entry.DigestBytesReceived / ChunkDigest.Size} chunk digests; {entry.ChunkCount} expected");
    }

    /// <summary>Every ancestor that the manifest itself lists must be a directory (not a file, not a symlink).</summary>
    private static void CheckAncestors(List<ReceivedEntry> entries, Dictionary<string, EntryKind> kinds)
    {
        foreach (var entry in entries)
        {
            for (var parent = RelativePath.Parent(entry.Path); parent is not null; parent = RelativePath.Parent(parent))
            {
                if (kinds.TryGetValue(parent, out var kind) && kind != EntryKind.Directory)
                    throw FederationException.InvalidArgument(
                        $"entry '{RelativePath.Shorten(entry.Path)}' lies below '{RelativePath.Shorten(parent)}', which is not a directory");
            }
        }
    }
}
