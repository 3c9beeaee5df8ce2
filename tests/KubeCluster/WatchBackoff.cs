namespace Federation.Tests.Kube;

/// <summary>Exponential backoff with full jitter between watch attempts (100 ms doubling to 5 s), reset by a success.</summary>
public sealed class WatchBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(5);
    private TimeSpan next = First;

    public void Reset() => next = First;

    /// <summary>The next delay: a random part of the current bound, which then doubles up to its cap.</summary>
    public TimeSpan Next()
    {
        var delay = TimeSpan.FromMilliseconds(next.TotalMilliseconds * (0.5 + Random.Shared.NextDouble() / 2));
        next = TimeSpan.FromMilliseconds(Math.Min(Cap.TotalMilliseconds, next.TotalMilliseconds * 2));
        return delay;
    }
}
