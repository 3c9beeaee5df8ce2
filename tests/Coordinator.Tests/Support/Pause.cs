namespace Federation.Coordinator.Tests.Support;

/// <summary>One armed stop of <see cref="PausingHooks"/>: the test waits for it to be reached, acts, then releases it.</summary>
public sealed class Pause(string point)
{
    private readonly TaskCompletionSource<string> reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Point { get; } = point;

    /// <summary>The id of the migration stopped here.</summary>
    public async Task<string> ReachedAsync(TimeSpan timeout)
    {
        try
        {
            return await reached.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"no migration reached '{Point}' within {timeout.TotalSeconds:F0} s");
            throw;
        }
    }

    public void Release() => released.TrySetResult();

    internal void Reach(string migrationId) => reached.TrySetResult(migrationId);

    internal Task WaitForReleaseAsync(CancellationToken ct) => released.Task.WaitAsync(ct);
}
