using System.Diagnostics;
using System.Net.Sockets;

namespace Federation.Coordinator.Tests.Support;

/// <summary>
/// A client that keeps asking the test app for its counter through the workload's stable address,
/// one connection per request, as a real client would during the move. Bounded in count and time.
/// </summary>
public sealed class StableClient : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public StableClient(int port, TimeSpan maxRun)
    {
        Port = port;
        loop = RunAsync(maxRun);
    }

    public int Port { get; }
    public List<(TimeSpan At, TestAppStatus Status)> Answers { get; } = [];
    public List<string> Failures { get; } = [];

    /// <summary>The longest wait between the start of a request and its answer: what the client saw of the move.</summary>
    public TimeSpan LongestRequest { get; private set; }

    public async Task<StableClient> StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        return this;
    }

    private async Task RunAsync(TimeSpan maxRun)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20_000 && !stop.IsCancellationRequested && clock.Elapsed < maxRun; i++)
        {
            var started = clock.Elapsed;
            try
            {
                var status = await TestApp.AskAsync(Port, "GET", CancellationToken.None);
                var took = clock.Elapsed - started;
                lock (Answers) Answers.Add((started, status));
                if (took > LongestRequest) LongestRequest = took;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or FormatException)
            {
                lock (Failures) Failures.Add($"{started.TotalSeconds:F2}s: {e.GetType().Name}: {e.Message}");
            }
            try { await Task.Delay(20, stop.Token); }
            catch (OperationCanceledException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stop.Dispose();
    }
}
