using System.Collections.Concurrent;

namespace Federation.Coordinator.Targets;

/// <summary>
/// One lock per migration on the destination: a commit and an abort (or the reaper) of the same target never
/// interleave, so an abort answers only once no restore of that migration is running, and a commit never restores
/// a target whose abort has begun.
/// </summary>
public sealed class TargetLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string migrationId, CancellationToken ct)
    {
        var gate = locks.GetOrAdd(migrationId, _ => new SemaphoreSlim(1, 1));
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
