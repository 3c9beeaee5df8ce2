using System.Collections.Concurrent;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// One lock per app for the calls that decide on its generation or its frozen state (Fence, Restore, Resume,
/// the start of a checkpoint), so that none of them acts on what another is about to change.
/// </summary>
public sealed class AppLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new(StringComparer.Ordinal);

    /// <summary>Waits for the app's lock; disposing the result releases it.</summary>
    public async Task<IDisposable> LockAsync(string app, CancellationToken ct)
    {
        var gate = locks.GetOrAdd(app, _ => new SemaphoreSlim(1, 1));
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
