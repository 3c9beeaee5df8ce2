namespace Federation.Tests.Harness;

/// <summary>The reconcile loop of the harnesses' agents: sync, wait for a change (or a bound), sync again, until stopped.</summary>
public static class SyncLoop
{
    /// <summary>
    /// Runs <paramref name="sync"/> round after round until <paramref name="ct"/> is cancelled; a failed round is reported to
    /// <paramref name="failed"/> as one line and the loop goes on. Between rounds it awaits <paramref name="waitForChange"/>.
    /// </summary>
    public static async Task RunAsync(Func<CancellationToken, Task> sync, Func<CancellationToken, Task> waitForChange, Action<string> failed, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await sync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failed(OneLine.Of(e.Message));
            }
            try { await waitForChange(ct); }
            catch (OperationCanceledException) { return; }
        }
    }
}
