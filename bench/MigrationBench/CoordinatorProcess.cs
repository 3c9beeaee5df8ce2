using System.Diagnostics;
using Federation.Common.Auth;
using Federation.V1;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federation.MigrationBench;

/// <summary>
/// One cluster the way scripts/run.sh starts it: a federation-coordinator process with the Docker-host adapter, talked to over gRPC
/// with the operator token it makes beside its journal. Its output goes to a log file in the work directory.
/// </summary>
public sealed class CoordinatorProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(120);
    private readonly Process process;
    private readonly StreamWriter log;
    private GrpcChannel? channel;

    private CoordinatorProcess(string cluster, int port, Process process, StreamWriter log, string logPath)
    {
        Cluster = cluster;
        Port = port;
        this.process = process;
        this.log = log;
        LogPath = logPath;
    }

    public string Cluster { get; }
    public int Port { get; }
    public string LogPath { get; }
    public Coordinator.CoordinatorClient Client { get; private set; } = null!;

    public static CoordinatorProcess Start(BenchOptions options, string work, string cluster, int port, string peer, int peerPort, string peerSecret)
    {
        var directory = Directory.CreateDirectory(Path.Combine(work, cluster)).FullName;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            options.CoordinatorDll, "--cluster", cluster, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--journal", Path.Combine(directory, "journal.db"), "--adapter", "docker", "--runtime-image", options.RuntimeImage,
            "--name-prefix", Leftovers.Prefix, $"--Coordinator:Peers:{peer}=http://127.0.0.1:{peerPort}", "--peer-secret", $"{peer}={peerSecret}",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Federation=Information",
        }) info.ArgumentList.Add(argument);
        var logPath = Path.Combine(work, $"{cluster}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new BenchException("cannot start dotnet for the coordinator");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new CoordinatorProcess(cluster, port, process, log, logPath);
    }

    /// <summary>Waits (bounded) until the coordinator made its operator token and answers ListWorkloads with it.</summary>
    public async Task WaitReadyAsync(string work, CancellationToken ct)
    {
        var tokenPath = Path.Combine(work, Cluster, $"operator-token-{Cluster}");
        var until = BenchClock.Now + StartBound;
        var last = "";
        while (BenchClock.Now < until)
        {
            if (process.HasExited) throw new BenchException($"coordinator {Cluster} exited with {process.ExitCode}: {Tail()}");
            if (SecretFile.TryRead(tokenPath, out var problem) is { } token)
            {
                channel ??= GrpcChannel.ForAddress($"http://127.0.0.1:{Port}");
                Client = new Coordinator.CoordinatorClient(channel.Intercept(CallHeadersInterceptor.Bearer(token)));
                try
                {
                    await Client.ListWorkloadsAsync(new ListWorkloadsRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
                    return;
                }
                catch (Grpc.Core.RpcException e)
                {
                    last = e.Status.Detail;
                }
            }
            else
            {
                last = $"operator token {problem}";
            }
            await Task.Delay(250, ct);
        }
        throw new BenchException($"coordinator {Cluster} did not serve within {StartBound.TotalSeconds:F0} s ({last}); log {LogPath}");
    }

    private string Tail()
    {
        lock (log) log.Flush();
        try { return string.Join(" | ", File.ReadLines(LogPath).TakeLast(3)); }
        catch (IOException) { return ""; }
    }

    public async ValueTask DisposeAsync()
    {
        channel?.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await process.WaitForExitAsync(bound.Token); }
            catch (OperationCanceledException) { }
        }
        process.Dispose();
        lock (log) log.Dispose();
    }
}
