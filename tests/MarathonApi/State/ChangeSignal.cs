namespace Federation.Tests.Marathon.State;

/// <summary>Wakes whoever waits for a change of the mock's state (the agent, marathon-lb), without polling in a tight loop.</summary>
public sealed class ChangeSignal
{
    private readonly Lock gate = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        Task next;
        lock (gate) next = changed.Task;
        try { await next.WaitAsync(limit, ct).ConfigureAwait(false); }
        catch (TimeoutException) { }
    }
}
