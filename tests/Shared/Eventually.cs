namespace Federation.Tests.Shared;

/// <summary>Waits for a condition of the cluster, polling at most <c>attempts</c> times (bounded in count and time); fails with what was last seen.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string what, int seconds = 60) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        Exception? last = null;
        for (var attempt = 0; attempt < seconds * 10 && DateTime.UtcNow < deadline; attempt++)
        {
            try
            {
                if (await probe() is { } found) return found;
            }
            catch (Exception e) when (e is not AssertionException)
            {
                last = e;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{what}: not within {seconds} s{(last is null ? "" : $" (last error: {last.Message})")}");
        throw new InvalidOperationException("unreachable");
    }

    public static Task WaitAsync(Func<Task<bool>> probe, string what, int seconds = 60) =>
        WaitAsync<object>(async () => await probe() ? new object() : null, what, seconds);
}
