namespace Federation.SyncModule.Receiver;

/// <summary>
/// Chunks that earlier transfers left under the root, by digest key. A hit is only a hint: the
/// bytes are read and checked against the wanted digest before they are used.
/// </summary>
internal sealed class ChunkSources
{
    private readonly Dictionary<ulong, ChunkSource> chunks = [];
    private readonly List<string> files = [];

    public static ChunkSources Empty { get; } = new();

    public int Count => chunks.Count;

    public int AddFile(string fullPath)
    {
        files.Add(fullPath);
        return files.Count - 1;
    }

    public void Add(ulong key, ChunkSource source) => chunks.TryAdd(key, source);

    public bool TryFind(ulong key, out ChunkSource source) => chunks.TryGetValue(key, out source);

    public string PathOf(int fileId) => files[fileId];
}
