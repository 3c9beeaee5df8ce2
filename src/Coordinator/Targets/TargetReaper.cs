using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Targets;

/// <summary>Removes targets whose source stopped sending heartbeats (it crashed, or could not reach us to abort).</summary>
public sealed partial class TargetReaper(TargetRemoval targets, IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<TargetReaper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Give sources the full timeout after our own (re)start: our downtime is not their silence.
        var started = clock.GetUtcNow();
        var timeout = options.Value.Migration.TargetHeartbeatTimeout;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Clamp(timeout.TotalSeconds / 4, 0.5, 5)), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = clock.GetUtcNow();
            if (now - started < timeout) continue;
            try
            {
                await targets.RemoveSilentAsync(now - timeout, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogReapFailed(logger, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "removing silent targets failed: {Reason}")]
    private static partial void LogReapFailed(ILogger logger, string reason);
}
