using System.Diagnostics;
using Docker.DotNet;
using Federation.Adapters.Docker;
using Federation.RuntimeDemo;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

// Usage: RuntimeDemo RUNTIME_IMAGE TESTAPP_IMAGE [MIB] [DIRTY_KIB]
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Federation.RuntimeDemo RUNTIME_IMAGE TESTAPP_IMAGE [MIB=128] [DIRTY_KIB=64]");
    return 64;
}
var runtimeImage = args[0];
var testAppImage = args[1];
var mib = args.Length > 2 ? int.Parse(args[2]) : 128;
var dirtyKib = args.Length > 3 ? int.Parse(args[3]) : 64;
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(10));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;

using var docker = new DockerClientConfiguration(new Uri("unix:///var/run/docker.sock")).CreateClient();
var host = new DockerRuntimeHost(docker, new RuntimeLaunchOptions { RuntimeImage = runtimeImage, OwnerLabel = "federation-demo" });
foreach (var stale in await host.ListRuntimesAsync(ct)) await host.RemoveAsync(stale, ct);

const int appPort = 7000;
var total = Stopwatch.StartNew();
Step("starting two runtimes (Docker-in-Docker, CRIU 4.2) on this machine: demo-edge and demo-cloud");
var edgeTask = host.StartRuntimeAsync("demo-edge", [appPort], ct);
var cloudTask = host.StartRuntimeAsync("demo-cloud", [appPort], ct);
var edge = await edgeTask;
var cloud = await cloudTask;
try
{
    using var edgeChannel = GrpcChannel.ForAddress(edge.EngineEndpoint);
    using var cloudChannel = GrpcChannel.ForAddress(cloud.EngineEndpoint);
    var edgeEngine = new Engine.EngineClient(edgeChannel);
    var cloudEngine = new Engine.EngineClient(cloudChannel);
    var described = await edgeEngine.DescribeAsync(new DescribeRequest(), cancellationToken: ct);
    Step($"runtimes ready in {total.Elapsed.TotalSeconds:F1} s: docker {described.DockerVersion}, containerd {described.ContainerdVersion}, " +
         $"runc {described.RuncVersion}, CRIU {described.CriuVersion}, kernel {described.Kernel}, dirty tracking {(described.DirtyTracking ? "on" : "off")}");

    foreach (var engine in new[] { edgeEngine, cloudEngine })
    {
        using var load = engine.LoadImage(cancellationToken: ct);
        await using (var tar = await docker.Images.SaveImageAsync(testAppImage, ct))
        {
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await tar.ReadAsync(buffer, ct)) > 0)
                await load.RequestStream.WriteAsync(new LoadImageChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, ct);
        }
        await load.RequestStream.CompleteAsync();
        await load;
    }

    var spec = new AppSpec
    {
        Name = "counter",
        Image = testAppImage,
        Command = { "/app/testapp" },
        Env = { ["MIB"] = mib.ToString(), ["DIRTY_KIB"] = dirtyKib.ToString(), ["PORT"] = appPort.ToString() },
        Ports = { new PortMapping { ContainerPort = appPort } },
    };
    await edgeEngine.CreateAppAsync(new CreateAppRequest { Spec = spec, StartMode = StartMode.Active }, cancellationToken: ct);
    var edgePort = edge.PublishedPorts[appPort];
    var cloudPort = cloud.PublishedPorts[appPort];
    await AppProbe.WaitAsync(edgePort, "GET", ct);
    await Task.Delay(1000, ct);
    var before = await AppProbe.WaitAsync(edgePort, "GET", ct);
    Step($"app 'counter' runs on demo-edge ({mib} MiB, dirtying {dirtyKib} KiB every 10 ms): counter={before["counter"]} seed={before["seed"]}");

    var gap = Stopwatch.StartNew();
    var checkpoint = await edgeEngine.CheckpointAsync(new CheckpointRequest { App = spec.Name, Checkpoint = "move-1" }, cancellationToken: ct);
    var checkpointTime = gap.Elapsed;
    var copy = Stopwatch.StartNew();
    var opened = await cloudEngine.OpenTransferAsync(new OpenTransferRequest { App = spec.Name, Checkpoint = "move-1" }, cancellationToken: ct);
    using var push = edgeEngine.PushCheckpoint(new PushCheckpointRequest
    {
        App = spec.Name, Checkpoint = "move-1", TargetEndpoint = cloud.PeerEngineEndpoint.ToString(), Token = opened.Token,
    }, cancellationToken: ct);
    TransferProgress synced = new();
    while (await push.ResponseStream.MoveNext(ct)) synced = push.ResponseStream.Current;
    var copyTime = copy.Elapsed;
    var restore = await cloudEngine.RestoreAsync(new RestoreRequest { App = spec.Name, Checkpoint = "move-1" }, cancellationToken: ct);
    var restoreTime = gap.Elapsed - checkpointTime - copyTime;
    var first = await AppProbe.WaitAsync(cloudPort, "GET", ct);
    var downtime = gap.Elapsed;
    var after = await AppProbe.WaitAsync(cloudPort, "VERIFY", ct);
    var onEdge = await edgeEngine.GetAppAsync(new GetAppRequest { Name = spec.Name }, cancellationToken: ct);

    Console.WriteLine();
    Console.WriteLine("phase                         time");
    Console.WriteLine($"checkpoint (exit) on edge  {Ms(checkpointTime),8}   {checkpoint.TotalBytes / (1024.0 * 1024):F1} MiB in {checkpoint.Files.Count} files ({Steps(checkpoint.Timings)})");
    Console.WriteLine($"sync edge -> cloud         {Ms(copyTime),8}   {synced.BytesSent / (1024.0 * 1024):F1} MiB on the wire, {synced.BytesSkipped / (1024.0 * 1024):F1} MiB already there, peer to peer");
    Console.WriteLine($"restore on cloud           {Ms(restoreTime),8}   ({Steps(restore.Timings)})");
    Console.WriteLine($"client-visible gap         {Ms(downtime),8}   (checkpoint start to first answer on cloud)");
    Console.WriteLine();
    Console.WriteLine($"counter before: {before["counter"]}   first answer on cloud: {first["counter"]}   (continues, no reset: {ulong.Parse(first["counter"]) >= ulong.Parse(before["counter"])})");
    Console.WriteLine($"seed before:    {before["seed"]}   after: {after["seed"]}   (same process memory: {before["seed"] == after["seed"]})");
    Console.WriteLine($"memory verify on cloud: {after["verify"]}   app on edge: {onEdge.State}");
    Console.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");
    return after["verify"] == "ok" && before["seed"] == after["seed"] ? 0 : 1;
}
finally
{
    await host.RemoveAsync(edge.Name, CancellationToken.None);
    await host.RemoveAsync(cloud.Name, CancellationToken.None);
}

static void Step(string message) => Console.WriteLine($"==> {message}");
static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F0} ms";
static string Steps(IEnumerable<StepTiming> timings) => string.Join(", ", timings.Select(t => $"{t.Step} {t.Duration.ToTimeSpan().TotalMilliseconds:F0} ms"));
