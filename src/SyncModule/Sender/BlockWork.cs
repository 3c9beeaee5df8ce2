namespace Federation.SyncModule.Sender;

/// <summary>A run of consecutive chunks of one file to send; <see cref="Retries"/> counts earlier rejections.</summary>
internal readonly record struct BlockWork(int Entry, int FirstChunk, int ChunkCount, int Retries = 0);
