using System.Net;
using System.Net.Sockets;
using System.Text;
using Federation.Adapters.Relay.Control;
using Federation.Adapters.Relay.Hosting;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// The relay process's server in this process on a temporary directory: its control API on an owner-only unix socket,
/// routes that listen again on the same ports and forward to the same (switched) backends after a restart, holds.
/// </summary>
[TestFixture]
public sealed class RelayServerTests
{
    private DirectoryInfo directory = null!;
    private CancellationTokenSource stop = null!;

    [SetUp]
    public void CreateDirectory()
    {
        directory = Directory.CreateTempSubdirectory("fedrelay-");
        stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    }

    [TearDown]
    public void RemoveDirectory()
    {
        stop.Cancel();
        stop.Dispose();
        directory.Delete(recursive: true);
    }

    [Test]
    public async Task Routes_listen_on_the_same_ports_and_forward_to_the_switched_backend_after_the_relay_restarts()
    {
        var (first, second) = (Echo("one"), Echo("two"));
        var settings = Settings();
        int listenPort;
        await using (var relay = await RelayServer.StartAsync(settings))
        {
            using var channel = RelayChannel.ForSocket(settings.SocketPath);
            var control = new Relay.RelayClient(channel);
            var route = await control.OpenRouteAsync(Open("default/app", 7000, first));
            listenPort = (int)route.Ports.Single().ListenPort;
            Assert.That(await AskAsync(listenPort), Is.EqualTo("one"));
            await control.SwitchRouteAsync(new SwitchRelayRouteRequest { Name = "default/app", Backends = { [7000] = second } });
            Assert.That(await AskAsync(listenPort), Is.EqualTo("two"));
        }
        Assert.That(await RefusedAsync(listenPort), Is.True, "the stopped relay listens no more");

        await using (var again = await RelayServer.StartAsync(settings))
        {
            using var channel = RelayChannel.ForSocket(settings.SocketPath);
            var routes = (await new Relay.RelayClient(channel).ListRoutesAsync(new ListRelayRoutesRequest())).Routes;
            var port = routes.Single().Ports.Single();
            Assert.Multiple(() =>
            {
                Assert.That(routes.Single().Name, Is.EqualTo("default/app"));
                Assert.That(port.ListenPort, Is.EqualTo(listenPort), "the same stable port");
                Assert.That(port.Backend, Is.EqualTo(second), "the switched backend was persisted");
                Assert.That(port.Listening, Is.True);
            });
            Assert.That(await AskAsync(listenPort), Is.EqualTo("two"));
        }
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_control_socket_and_its_directory_are_the_owners_only()
    {
        var settings = Settings();
        await using var relay = await RelayServer.StartAsync(settings);
        var (directoryMode, socketMode) = (File.GetUnixFileMode(settings.Directory), File.GetUnixFileMode(settings.SocketPath));
        Assert.Multiple(() =>
        {
            Assert.That(directoryMode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            Assert.That(socketMode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        });
    }

    [Test]
    public async Task A_hold_keeps_new_connections_waiting_until_the_release_and_a_closed_route_listens_no_more()
    {
        var backend = Echo("served");
        var settings = Settings();
        await using var relay = await RelayServer.StartAsync(settings);
        using var channel = RelayChannel.ForSocket(settings.SocketPath);
        var control = new Relay.RelayClient(channel);
        var port = (int)(await control.OpenRouteAsync(Open("default/held", 7000, backend))).Ports.Single().ListenPort;

        var held = await control.HoldRouteAsync(new HoldRelayRouteRequest { Name = "default/held", DrainLimit = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) });
        Assert.That(held.Route.Ports.Single().Holding, Is.True);
        var answer = AskAsync(port);
        await WaitForAsync(async () => (await control.ListRoutesAsync(new ListRelayRoutesRequest())).Routes.Single().Ports.Single().HeldConnections == 1 || answer.IsCompleted);
        Assert.That(answer.IsCompleted, Is.False, "the new connection waits for the hold");

        var released = await control.ReleaseRouteAsync(new RelayRouteRequest { Name = "default/held" });
        Assert.That(released.Ports.Single().Holding, Is.False);
        Assert.That(await answer, Is.EqualTo("served"));

        var closed = await control.CloseRouteAsync(new RelayRouteRequest { Name = "default/held" });
        Assert.That(closed.RoutesLeft, Is.Zero);
        Assert.That(await RefusedAsync(port), Is.True);
        Assert.That((await control.CloseRouteAsync(new RelayRouteRequest { Name = "default/held" })).RoutesLeft, Is.Zero, "closing again is fine");
    }

    [Test]
    public async Task Bad_requests_are_refused_with_one_line()
    {
        var settings = Settings();
        await using var relay = await RelayServer.StartAsync(settings);
        using var channel = RelayChannel.ForSocket(settings.SocketPath);
        var control = new Relay.RelayClient(channel);
        GrpcAssert.Status(() => control.OpenRouteAsync(Open("default/x", 7000, "nowhere")).ResponseAsync, StatusCode.InvalidArgument, "is not HOST:PORT");
        GrpcAssert.Status(() => control.OpenRouteAsync(Open("default/x", 0, "127.0.0.1:1")).ResponseAsync, StatusCode.InvalidArgument, "app port 0");
        GrpcAssert.Status(() => control.HoldRouteAsync(new HoldRelayRouteRequest { Name = "default/none" }).ResponseAsync, StatusCode.NotFound, "no route default/none");
        GrpcAssert.Status(() => control.SwitchRouteAsync(new SwitchRelayRouteRequest { Name = "default/none", Backends = { [7000] = "127.0.0.1:1" } }).ResponseAsync,
            StatusCode.NotFound, "no route");
    }

    private RelaySettings Settings() => new() { Directory = Path.Combine(directory.FullName, "relay"), MaxHold = TimeSpan.FromSeconds(20) };

    private static OpenRelayRouteRequest Open(string name, uint port, string backend) =>
        new() { Name = name, Ports = { new RelayPort { Port = port, Backend = backend } } };

    /// <summary>A backend on 127.0.0.1 that answers every connection with one line.</summary>
    /// <returns>Its endpoint, "127.0.0.1:port".</returns>
    private string Echo(string line) => LoopbackBackend.Start(async (client, ct) =>
    {
        using (client) await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), ct);
    }, stop.Token);

    private static async Task<string> AskAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    private static async Task<bool> RefusedAsync(int port)
    {
        try
        {
            return await AskAsync(port) == "";
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await condition()) return;
            await Task.Delay(25);
        }
        Assert.Fail("the condition did not hold within 5 s");
    }
}
