using System.Diagnostics;

namespace Federation.MigrationBench;

/// <summary>One monotonic clock for the client and the timed steps, so their instants compare.</summary>
public static class BenchClock
{
    private static readonly long Origin = Stopwatch.GetTimestamp();

    public static TimeSpan Now => Stopwatch.GetElapsedTime(Origin);
}
