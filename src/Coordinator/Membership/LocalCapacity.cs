using Federation.Adapters;
using Federation.Common;

namespace Federation.Coordinator.Membership;

/// <summary>
/// This cluster's capacity as the adapter reports it, asked at most once per <paramref name="maxAge"/> (heartbeats in both
/// directions and the signal sampler share one answer). A failing adapter gives an unknown report naming the failure.
/// </summary>
public sealed partial class LocalCapacity(IOrchestratorAdapter adapter, TimeProvider clock, ILogger<LocalCapacity> logger)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private (DateTimeOffset At, CapacityReport Report)? last;

    public async Task<CapacityReport> GetAsync(TimeSpan maxAge, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var now = clock.GetUtcNow();
            if (last is { } cached && now - cached.At < maxAge && now >= cached.At) return cached.Report;
            CapacityReport report;
            try
            {
                report = await adapter.GetCapacityAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var why = ErrorMappingInterceptor.OneLine(e.Message);
                LogCapacityFailed(logger, why);
                report = CapacityReport.Unknown($"the adapter could not tell its capacity: {why}");
            }
            last = (now, report);
            return report;
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "capacity of this cluster unknown: {Reason}")]
    private static partial void LogCapacityFailed(ILogger logger, string reason);
}
