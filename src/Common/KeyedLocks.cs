using System.Collections.Concurrent;

namespace Federation.Common;

/// <summary>One async lock per key (an app, a migration): callers of the same key take turns, others do not wait.</summary>
public class KeyedLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new(StringComparer.Ordinal);

    /// <summary>Waits for the key's lock; disposing the result releases it (once).</summary>
    public async Task<IDisposable> LockAsync(string key, CancellationToken ct)
    {
        var gate = locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Held(gate);
    }

    private sealed class Held(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) gate.Release();
        }
    }
}
