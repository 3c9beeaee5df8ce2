using System.Diagnostics;
using Federation.Common;
using Federation.Common.Auth;
using Federation.RuntimeModule.Engine.Trees;
using Federation.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Moves a tiny checkpoint from this Engine to itself, twice, through its own gRPC port (OpenTransfer, PushCheckpoint), so
/// the sender (file trees read, hashing, the gRPC client, compression), the Sync receiver (manifest, local pass, final
/// checks, chunk index) and the file tree's apply all run once before a migration needs them. The Engine runs without
/// tiered compilation, so every method is compiled fully optimized on its first call: without this, the first push of an
/// Engine pair (a post-copy move's only push, all of it downtime) paid some 500 ms of compiling on a small machine, where
/// a warm one takes some 15 ms. The second round is a delta against the first (the tree base, the chunk index). It runs
/// after <see cref="EngineWarmUp"/>, not while dockerd starts (which the runtime's start waits for). Everything is written
/// under one app directory of the checkpoint volume (<see cref="App"/>; skipped when an app of that name has a directory)
/// and removed afterwards. Bounded; a failure is only logged.
/// </summary>
public sealed partial class TransferWarmUp(RuntimeModuleOptions options, CheckpointVolume volume, IHostApplicationLifetime lifetime,
    ILogger<TransferWarmUp> logger)
{
    /// <summary>The app directory the warm-up writes in; a real app of this name makes it skip.</summary>
    public const string App = "federation-warm-up-transfer";

    /// <summary>Marks the directory as the warm-up's own (one left by a killed Engine is removed, never an app's).</summary>
    public const string MarkerFile = ".federation-warm-up";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Runs once the Engine listens; never throws but for <paramref name="stoppingToken"/>'s cancellation.</summary>
    public async Task RunQuietlyAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WaitUntilListeningAsync(stoppingToken);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            bounded.CancelAfter(Limit);
            var rounds = await RunAsync(bounded.Token);
            if (rounds is not null) LogWarmed(logger, rounds[0], rounds[1]);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        catch (Exception e) when (e is RpcException or FederationException or IOException or UnauthorizedAccessException
                                      or OperationCanceledException or HttpRequestException or InvalidOperationException)
        {
            LogFailed(logger, e.Message);
        }
    }

    /// <summary>The two rounds' push times in ms, or null when an app of the warm-up's name is there.</summary>
    public async Task<double[]?> RunAsync(CancellationToken cancellationToken)
    {
        var root = volume.AppDirectory(App);
        if (Directory.Exists(root))
        {
            if (!File.Exists(Path.Combine(root, MarkerFile)))
            {
                LogSkipped(logger, App);
                return null;
            }
            FileTree.TryDelete(root);
        }
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, MarkerFile), "");
        try
        {
            var tree = Path.Combine(root, "tree");
            WriteTree(tree);
            WriteCheckpoint(volume.CheckpointDirectory(App, "sent-1"), tree, 1);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{options.EnginePort}");
            CallInvoker invoker = options.EngineToken.Length > 0
                ? channel.Intercept(CallHeadersInterceptor.Bearer(options.EngineToken))
                : channel.CreateCallInvoker();
            var engine = new V1.Engine.EngineClient(invoker);
            var first = await PushAsync(engine, "sent-1", "received-1", cancellationToken);
            // A live round's changes: one image file and one file of the tree.
            WriteCheckpoint(volume.CheckpointDirectory(App, "sent-2"), tree, 2);
            File.WriteAllText(Path.Combine(tree, "etc", "state"), "round 2\n");
            var second = await PushAsync(engine, "sent-2", "received-2", cancellationToken);
            return [first, second];
        }
        finally
        {
            FileTree.TryDelete(root);
        }
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(cancellationToken);
    }

    private async Task<double> PushAsync(V1.Engine.EngineClient engine, string source, string target, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var opened = await engine.OpenTransferAsync(new OpenTransferRequest { App = App, Checkpoint = target }, cancellationToken: cancellationToken);
        using var push = engine.PushCheckpoint(new PushCheckpointRequest
        {
            App = App,
            Checkpoint = source,
            TargetEndpoint = $"http://127.0.0.1:{options.EnginePort}",
            Token = opened.Token,
        }, cancellationToken: cancellationToken);
        var completed = false;
        await foreach (var progress in push.ResponseStream.ReadAllAsync(cancellationToken)) completed |= progress.Completed;
        if (!completed) throw new InvalidOperationException("the warm-up push ended without completing");
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>A few small files shaped like a lazy dump's images: some compressible, some not.</summary>
    private static void WriteCheckpoint(string directory, string tree, int round)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, CheckpointVolume.SpecFileName), $"{{\"name\":\"{App}\",\"round\":{round}}}");
        var random = new Random(round);
        for (var i = 0; i < 6; i++)
        {
            var bytes = new byte[(i + 1) * 3000];
            if (i % 2 == 0) random.NextBytes(bytes);
            else Array.Fill(bytes, (byte)(i + round));
            File.WriteAllBytes(Path.Combine(directory, $"image-{i}.img"), bytes);
        }
        FileTreeSource.WriteLocations(directory, new TreeLocations { Live = true, Trees = new() { [SyncedTree.RootfsName] = tree } });
    }

    private static void WriteTree(string tree)
    {
        Directory.CreateDirectory(Path.Combine(tree, "etc"));
        File.WriteAllText(Path.Combine(tree, "etc", "state"), "round 1\n");
        File.WriteAllBytes(Path.Combine(tree, "data"), new byte[5000]);
        File.CreateSymbolicLink(Path.Combine(tree, "link"), "etc/state");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "transfer path warmed up: a push to itself took {FirstMs:F0} ms, a delta round after it {SecondMs:F0} ms")]
    private static partial void LogWarmed(ILogger logger, double firstMs, double secondMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "transfer warm-up skipped: an app named '{App}' has a directory in the checkpoint volume")]
    private static partial void LogSkipped(ILogger logger, string app);

    [LoggerMessage(Level = LogLevel.Warning, Message = "transfer warm-up failed (the first push will compile its code): {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
