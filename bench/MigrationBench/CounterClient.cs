namespace Federation.MigrationBench;

/// <summary>
/// Reads the test app's counter every 10 ms, one connection per request, as clients during a move would. Open loop: a new
/// request starts every 10 ms whether or not earlier ones answered (at most <see cref="MaxInFlight"/> at once), so one request
/// stuck in a TCP SYN retransmit does not hide when the app answers again. Bounded in count and time. It reads the first port;
/// once <see cref="AllowFailover"/> is set, a failed request moves it to the next port for good (the baseline's client, which
/// knows the app moved from runtime A to B).
/// </summary>
public sealed class CounterClient : IAsyncDisposable
{
    public const int MaxInFlight = 64;
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    private const int MaxRequests = 200_000;
    private readonly IReadOnlyList<int> ports;
    private readonly List<ClientAnswer> answers = [];
    private readonly CancellationTokenSource stop = new();
    private readonly SemaphoreSlim slots = new(MaxInFlight);
    private readonly Task loop;
    private volatile int current;
    private volatile bool allowFailover;
    private int failures;

    public CounterClient(IReadOnlyList<int> ports, TimeSpan maxRun)
    {
        this.ports = ports;
        loop = Task.Run(() => RunAsync(maxRun));
    }

    public bool AllowFailover { get => allowFailover; set => allowFailover = value; }

    public int Failures => Volatile.Read(ref failures);

    public IReadOnlyList<ClientAnswer> Answers
    {
        get { lock (answers) return answers.ToList(); }
    }

    /// <summary>The first answer from that port that ended after <paramref name="after"/>, waiting for it within the bound.</summary>
    public async Task<ClientAnswer> FirstAnswerFromAsync(int port, TimeSpan after, TimeSpan bound, CancellationToken ct)
    {
        var until = BenchClock.Now + bound;
        while (BenchClock.Now < until && !loop.IsCompleted)
        {
            lock (answers)
            {
                if (answers.Where(a => a.Port == port && a.Ended > after).OrderBy(a => a.Ended).FirstOrDefault() is { } answer) return answer;
            }
            await Task.Delay(10, ct);
        }
        throw new BenchException($"the client got no answer from 127.0.0.1:{port} within {bound.TotalSeconds:F0} s");
    }

    public async Task<ClientSummary> StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        return ClientSummary.Of(Answers, Failures);
    }

    private async Task RunAsync(TimeSpan maxRun)
    {
        var until = BenchClock.Now + maxRun;
        var requests = new List<Task>();
        for (var i = 0; i < MaxRequests && !stop.IsCancellationRequested && BenchClock.Now < until; i++)
        {
            var started = BenchClock.Now;
            try
            {
                await slots.WaitAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            requests.Add(RequestAsync(ports[current]));
            if (requests.Count > 4 * MaxInFlight) requests.RemoveAll(t => t.IsCompleted);
            var wait = started + Period - BenchClock.Now;
            try { if (wait > TimeSpan.Zero) await Task.Delay(wait, stop.Token); }
            catch (OperationCanceledException) { break; }
        }
        await Task.WhenAll(requests);
    }

    private async Task RequestAsync(int port)
    {
        var started = BenchClock.Now;
        try
        {
            var status = await AppProtocol.AskAsync(port, "GET", RequestTimeout, stop.Token);
            lock (answers) answers.Add(new ClientAnswer(started, BenchClock.Now, port, status.Counter, status.Seed));
        }
        catch (Exception e) when (AppProtocol.IsRequestFailure(e))
        {
            if (stop.IsCancellationRequested) return;
            Interlocked.Increment(ref failures);
            if (allowFailover && current < ports.Count - 1 && port == ports[current]) current++;
        }
        finally
        {
            slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!loop.IsCompleted) await StopAsync();
        stop.Dispose();
        slots.Dispose();
    }
}
