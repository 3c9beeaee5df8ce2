namespace Federation.Tests.Harness;

/// <summary>Wakes whoever waits for a change of a mock's state (an agent, a load balancer, a waiting test), without polling in a tight loop.</summary>
public sealed class ChangeSignal
{
    private readonly Lock gate = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes at the next <see cref="Notify"/>. Take it before looking at the state, then await it when the state is not yet
    /// as wanted: a change in between completes it, so none is missed.
    /// </summary>
    public Task Next
    {
        get
        {
            lock (gate) return changed.Task;
        }
    }

    public void Notify()
    {
        TaskCompletionSource fired;
        lock (gate)
        {
            fired = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }

    /// <summary>Waits for the next change, at most <paramref name="limit"/>.</summary>
    public async Task WaitAsync(TimeSpan limit, CancellationToken ct)
    {
        try { await Next.WaitAsync(limit, ct).ConfigureAwait(false); }
        catch (TimeoutException) { }
    }
}
