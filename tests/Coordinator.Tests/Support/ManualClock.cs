namespace Federation.Coordinator.Tests.Support;

/// <summary>A clock whose "now" moves only when the test says (timers still run on real time: loops that tests drive themselves are given long intervals).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (this) return now;
    }

    public void Advance(TimeSpan by)
    {
        lock (this) now += by;
    }
}
