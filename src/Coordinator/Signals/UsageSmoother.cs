namespace Federation.Coordinator.Signals;

/// <summary>
/// One workload's use, smoothed (an exponentially weighted moving average with weight <paramref name="alpha"/> for the newest
/// reading): CPU in cores, the rate of the app's CPU-seconds counter between two readings, and memory in bytes. Pure: the
/// readings carry their times. A counter that goes back (the app was restored or restarted) starts a new baseline and keeps
/// the smoothed rate; a reading not later than the previous one is ignored for the rate.
/// </summary>
public sealed class UsageSmoother(double alpha)
{
    private (DateTimeOffset At, double CpuSeconds)? last;

    /// <summary>Smoothed CPU use in cores; null until two readings gave a rate.</summary>
    public double? Cores { get; private set; }

    /// <summary>Smoothed memory in use, in bytes; null before the first reading.</summary>
    public double? MemoryBytes { get; private set; }

    /// <summary>When the last reading was taken.</summary>
    public DateTimeOffset? LastAt => last?.At;

    public void Add(DateTimeOffset at, double cpuSeconds, ulong memoryBytes)
    {
        MemoryBytes = MemoryBytes is { } m ? m + alpha * (memoryBytes - m) : memoryBytes;
        if (last is { } previous)
        {
            if (at <= previous.At) return;
            if (cpuSeconds >= previous.CpuSeconds)
            {
                var rate = (cpuSeconds - previous.CpuSeconds) / (at - previous.At).TotalSeconds;
                Cores = Cores is { } c ? c + alpha * (rate - c) : rate;
            }
        }
        last = (at, cpuSeconds);
    }
}
