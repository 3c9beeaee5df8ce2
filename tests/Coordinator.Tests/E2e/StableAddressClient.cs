using System.Diagnostics;
using System.Net.Sockets;
using Federation.V1;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// Sends requests to a workload's web part (the test app's MODE=web) through its stable address, one connection per request,
/// one after another until stopped, bounded in count and time: STATS unless told otherwise (<c>request</c> makes the i-th line).
/// </summary>
internal sealed class StableAddressClient : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public StableAddressClient(int port, TimeSpan maxRun, Func<int, string>? request = null) => loop = RunAsync(port, maxRun, request ?? (_ => "STATS"));

    /// <summary>The requests answered, in order, with <see cref="Answers"/> at the same index.</summary>
    public List<string> Answered { get; } = [];
    public List<string> Answers { get; } = [];
    public List<string> Failures { get; } = [];
    public TimeSpan LongestRequest { get; private set; }

    /// <summary>Deploys the workload in cluster a and waits until its web part answers STATS on the stable address: the workload, that port and the first answer.</summary>
    public static async Task<(Workload Deployed, int Port, string Stats)> DeployAsync(string name, AppSpec spec)
    {
        var workload = await LocalClusters.A.Client.DeployAsync(new DeployRequest
        {
            Ref = new WorkloadRef { Namespace = "default", Name = name },
            Spec = spec,
        });
        var port = int.Parse(workload.StableAddress.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            return (workload, port, await TestApp.WaitForWebAsync(port));
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"the web part did not answer on its stable address: {e.Message}");
            throw;
        }
    }

    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await loop;
    }

    private async Task RunAsync(int port, TimeSpan maxRun, Func<int, string> request)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20_000 && !stop.IsCancellationRequested && clock.Elapsed < maxRun; i++)
        {
            var started = clock.Elapsed;
            var line = request(i);
            try
            {
                // A request held through a rollback (final checkpoint, transfer, failed restore, restore at the source) may wait long.
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(45));
                var answer = await AskAsync(port, line, patience.Token);
                Answered.Add(line);
                Answers.Add(answer);
                if (clock.Elapsed - started > LongestRequest) LongestRequest = clock.Elapsed - started;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                Failures.Add($"{started.TotalSeconds:F2}s: {line}: {e.GetType().Name}: {e.Message}");
            }
            try { await Task.Delay(20, stop.Token); }
            catch (OperationCanceledException) { }
        }
    }

    private static async Task<string> AskAsync(int port, string line, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(line + "\n"), ct);
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        return await reader.ReadLineAsync(ct) ?? throw new IOException("the web part closed without answering");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stop.Dispose();
    }
}
