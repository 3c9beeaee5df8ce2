namespace Federation.Tests.Harness;

/// <summary>
/// A mock server's fault hooks: planned failures and hangs, each planned for a verb (or "*") and a target and consumed by the
/// first request it matches. What a target is and how a request matches it is the server's <c>matches</c>; what a failure
/// answers is the server's too. A hang lasts until released, the client gives up, or its bound passes.
/// </summary>
/// <typeparam name="TRequest">What the server knows of a request when it looks for a fault.</typeparam>
public sealed class PlannedFaults<TRequest>(Func<string, string, TRequest, bool> matches)
{
    private readonly Lock gate = new();
    private readonly List<(string Verb, string Target, int Code)> failures = [];
    private readonly List<(string Verb, string Target, TimeSpan Limit)> hangs = [];
    private CancellationTokenSource release = new();

    public void FailNext(string verb, string target, int statusCode)
    {
        lock (gate) failures.Add((verb, target, statusCode));
    }

    public void Hang(string verb, string target, TimeSpan limit)
    {
        lock (gate) hangs.Add((verb, target, limit));
    }

    /// <summary>Ends every hanging request.</summary>
    public void ReleaseHangs()
    {
        CancellationTokenSource old;
        lock (gate)
        {
            old = release;
            release = new CancellationTokenSource();
        }
        old.Cancel();
        old.Dispose();
    }

    /// <summary>The status code of the failure planned for this request (consumed); null when none is.</summary>
    public int? TakeFailure(TRequest request)
    {
        lock (gate)
        {
            var index = failures.FindIndex(f => matches(f.Verb, f.Target, request));
            if (index < 0) return null;
            var code = failures[index].Code;
            failures.RemoveAt(index);
            return code;
        }
    }

    /// <summary>Waits when a hang is planned for this request (consumed); false when none was.</summary>
    public async Task<bool> HangIfPlannedAsync(TRequest request, CancellationToken requestAborted)
    {
        TimeSpan limit;
        CancellationToken released;
        lock (gate)
        {
            var index = hangs.FindIndex(h => matches(h.Verb, h.Target, request));
            if (index < 0) return false;
            limit = hangs[index].Limit;
            hangs.RemoveAt(index);
            released = release.Token;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, released);
        linked.CancelAfter(limit);
        try { await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        return true;
    }
}
