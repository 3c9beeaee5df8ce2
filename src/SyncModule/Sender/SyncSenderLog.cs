using Microsoft.Extensions.Logging;

namespace Federation.SyncModule.Sender;

internal static partial class SyncSenderLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "offering '{Source}': {Entries} entries, {TotalBytes} bytes, hashed in {HashMs} ms")]
    public static partial void Offering(ILogger logger, string source, int entries, long totalBytes, long hashMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "transfer {TransferId} attempt {Attempt} broke ({Status}: {Detail}); resuming")]
    public static partial void Retrying(ILogger logger, string? transferId, int attempt, Grpc.Core.StatusCode status, string detail);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "transfer {TransferId} done: {TotalBytes} bytes, {SkippedBytes} already held, {SentBytes} sent as {WireBytes} on the wire in {DurationMs} ms")]
    public static partial void Done(ILogger logger, string transferId, long totalBytes, long skippedBytes, long sentBytes, long wireBytes, long durationMs);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "transfer {TransferId} steps: hash {HashMs:F1} ms, offer until needs {OfferMs:F1} ms, push {PushMs:F1} ms, complete {CompleteMs:F1} ms ({Attempts} attempts)")]
    public static partial void Steps(ILogger logger, string transferId, double hashMs, double offerMs, double pushMs, double completeMs, int attempts);
}
