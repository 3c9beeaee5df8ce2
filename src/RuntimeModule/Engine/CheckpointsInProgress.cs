namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Which apps this Engine is checkpointing right now (their processes may be frozen for the dump): GetApp
/// reports it, and Resume refuses to thaw an app under a dump.
/// </summary>
public sealed class CheckpointsInProgress
{
    private readonly Dictionary<string, int> running = new(StringComparer.Ordinal);

    /// <summary>Counts a checkpoint of the app as running until the result is disposed.</summary>
    public IDisposable Begin(string app)
    {
        lock (running) running[app] = running.GetValueOrDefault(app) + 1;
        return new Running(this, app);
    }

    public bool IsRunning(string app)
    {
        lock (running) return running.ContainsKey(app);
    }

    private void End(string app)
    {
        lock (running)
        {
            if (running.GetValueOrDefault(app) <= 1) running.Remove(app);
            else running[app]--;
        }
    }

    private sealed class Running(CheckpointsInProgress owner, string app) : IDisposable
    {
        private int ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref ended, 1) == 0) owner.End(app);
        }
    }
}
