namespace Federation.SyncModule.Receiver;

/// <summary>Where a verified chunk already lies on the receiver's disk: file (by id) and chunk number.</summary>
internal readonly record struct ChunkSource(int FileId, int Chunk);
