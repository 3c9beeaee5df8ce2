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

    [LoggerMessage(Level = LogLevel.Information,
        Message = "transfer {TransferId} steps: manifest read {ManifestMs:F1} ms, prepared {PrepareMs:F1} ms, final checks {FinishMs:F1} ms, index saved {IndexMs:F1} ms, completion hooks {HooksMs:F1} ms; open {OpenMs:F1} ms in all")]
    public static partial void TransferSteps(ILogger logger, string transferId, double manifestMs, double prepareMs, double finishMs, double indexMs,
        double hooksMs, double openMs);
}
