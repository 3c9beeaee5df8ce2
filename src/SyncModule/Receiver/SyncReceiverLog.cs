using Microsoft.Extensions.Logging;

namespace Federation.SyncModule.Receiver;

internal static partial class SyncReceiverLog
{
    [LoggerMessage(Level = LogLevel.Information,
        Message = "transfer {TransferId} into '{Target}' opened: {Entries} entries, {TotalBytes} bytes, chunk size {ChunkSize}")]
    public static partial void TransferOpened(ILogger logger, string transferId, string target, int entries, long totalBytes, int chunkSize);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "transfer {TransferId} prepared: {PresentBytes} bytes already held, {NeededBytes} bytes to receive")]
    public static partial void TransferPrepared(ILogger logger, string transferId, ulong presentBytes, ulong neededBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "transfer {TransferId}: {Count} chunks of entry {Entry} failed verification and were not written")]
    public static partial void ChunksRejected(ILogger logger, string transferId, uint entry, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "transfer {TransferId} into '{Target}' completed: {Files} files, {TotalBytes} bytes")]
    public static partial void TransferCompleted(ILogger logger, string transferId, string target, uint files, ulong totalBytes);
}
