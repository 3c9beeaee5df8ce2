using System.Net;
using System.Net.Sockets;
using Federation.RuntimeModule.Engine;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.RuntimeModule.Tests.Unit;

/// <summary>
/// The transfer warm-up writes only in its own app directory of the checkpoint volume and removes it whatever happens;
/// an app's directory of the same name is never touched. (Its pushes against a real Engine: CheckpointRestoreTests.)
/// </summary>
[TestFixture]
public sealed class TransferWarmUpTests
{
    private string root = null!;
    private CheckpointVolume volume = null!;
    private TransferWarmUp warmUp = null!;

    [SetUp]
    public void CreateVolume()
    {
        root = Directory.CreateTempSubdirectory("fed-warm-").FullName;
        // An Engine port where nothing listens: every push fails at once.
        var options = new RuntimeModuleOptions { StateDirectory = root, EnginePort = ClosedPort() };
        volume = new CheckpointVolume(options);
        warmUp = new TransferWarmUp(options, volume, new Lifetime(), NullLogger<TransferWarmUp>.Instance);
    }

    [TearDown]
    public void DeleteVolume() => Directory.Delete(root, recursive: true);

    [Test]
    public void A_warm_up_that_fails_leaves_nothing_in_the_volume()
    {
        Assert.ThrowsAsync<RpcException>(() => warmUp.RunAsync(CancellationToken.None));
        Assert.That(Directory.Exists(volume.AppDirectory(TransferWarmUp.App)), Is.False);
    }

    [Test]
    public void What_a_killed_warm_up_left_is_replaced()
    {
        var left = volume.CheckpointDirectory(TransferWarmUp.App, "received-1");
        Directory.CreateDirectory(left);
        File.WriteAllText(Path.Combine(volume.AppDirectory(TransferWarmUp.App), TransferWarmUp.MarkerFile), "");
        File.WriteAllText(Path.Combine(left, "half-received"), "x");

        Assert.ThrowsAsync<RpcException>(() => warmUp.RunAsync(CancellationToken.None), "it ran (and failed at the closed port)");
        Assert.That(Directory.Exists(volume.AppDirectory(TransferWarmUp.App)), Is.False);
    }

    [Test]
    public async Task An_apps_directory_of_the_same_name_is_left_alone()
    {
        var checkpoint = volume.CheckpointDirectory(TransferWarmUp.App, "round-1");
        Directory.CreateDirectory(checkpoint);
        File.WriteAllText(Path.Combine(checkpoint, CheckpointVolume.SpecFileName), "{}");

        Assert.That(await warmUp.RunAsync(CancellationToken.None), Is.Null, "skipped");
        Assert.That(Directory.EnumerateFileSystemEntries(volume.AppDirectory(TransferWarmUp.App)), Is.EqualTo(new[] { checkpoint }));
        Assert.That(File.ReadAllText(Path.Combine(checkpoint, CheckpointVolume.SpecFileName)), Is.EqualTo("{}"));
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }
}
