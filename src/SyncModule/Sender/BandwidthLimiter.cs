using System.Diagnostics;

namespace Federation.SyncModule.Sender;

/// <summary>A token bucket shared by all streams of a transfer; a send that overdraws it waits until the debt is paid.</summary>
internal sealed class BandwidthLimiter(long bytesPerSecond)
{
    private readonly Lock gate = new();
    private readonly double burst = Math.Max(bytesPerSecond / 20.0, 64 << 10);
    private double available = Math.Max(bytesPerSecond / 20.0, 64 << 10);
    private long lastTimestamp = Stopwatch.GetTimestamp();

    public async ValueTask WaitAsync(int bytes, CancellationToken cancellationToken)
    {
        double seconds;
        lock (gate)
        {
            var now = Stopwatch.GetTimestamp();
            available = Math.Min(burst, available + Stopwatch.GetElapsedTime(lastTimestamp, now).TotalSeconds * bytesPerSecond);
            lastTimestamp = now;
            available -= bytes;
            seconds = available >= 0 ? 0 : -available / bytesPerSecond;
        }
        if (seconds > 0) await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
    }
}
