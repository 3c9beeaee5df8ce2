using System.Net;
using System.Net.Sockets;
using System.Text;
using Federation.Adapters.Relay;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>The holding relay on 127.0.0.1 in front of an echo backend: its connection limit sheds load with a reset; a hold ends at a switch or, at the latest, at its bound.</summary>
[TestFixture]
public sealed class HoldingRelayTests
{
    [Test]
    public async Task Connections_past_the_limit_are_reset_at_once_and_the_open_ones_keep_working()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var echo = EchoAsync(backend, stop.Token);
        await using var relay = new HoldingRelay(0, $"127.0.0.1:{((IPEndPoint)backend.LocalEndpoint).Port}", TimeSpan.FromSeconds(5), NullLogger.Instance, maxConnections: 2);

        using var first = await ConnectAsync(relay.Port);
        using var second = await ConnectAsync(relay.Port);
        Assert.That(await RoundTripAsync(first, "one"), Is.EqualTo("one"));
        Assert.That(await RoundTripAsync(second, "two"), Is.EqualTo("two"));

        Assert.That(await RefusedAsync(relay.Port), Is.True, "the third connection is refused at once, not left hanging");
        Assert.That(relay.ShedConnections, Is.EqualTo(1));
        Assert.That(await RoundTripAsync(first, "still"), Is.EqualTo("still"), "the open ones are untouched");

        first.Dispose();
        for (var i = 0; i < 100 && relay.OpenConnections > 1; i++) await Task.Delay(50);
        using var fourth = await ConnectAsync(relay.Port);
        Assert.That(await RoundTripAsync(fourth, "room again"), Is.EqualTo("room again"), "a slot that was freed is used again");
        await stop.CancelAsync();
    }

    [Test]
    public async Task A_hold_nobody_ends_ends_by_itself_at_its_bound_and_the_held_connection_goes_to_the_backend_there_is()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var echo = EchoAsync(backend, stop.Token);
        var bound = TimeSpan.FromSeconds(1.5);
        await using var relay = new HoldingRelay(0, $"127.0.0.1:{((IPEndPoint)backend.LocalEndpoint).Port}", bound, NullLogger.Instance);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        relay.Hold();
        using var waiting = await ConnectAsync(relay.Port);
        var answer = RoundTripAsync(waiting, "held");
        for (var i = 0; i < 200 && relay.HeldConnections == 0 && !answer.IsCompleted; i++) await Task.Delay(10);
        Assert.That(relay.HeldConnections, Is.EqualTo(1), "the connection waits for the hold");

        Assert.That(await answer, Is.EqualTo("held"), "once the bound has passed it goes to the backend there is");
        var waited = clock.Elapsed;
        Assert.Multiple(() =>
        {
            Assert.That(waited, Is.GreaterThanOrEqualTo(bound - TimeSpan.FromMilliseconds(50)), "it waited for the hold");
            Assert.That(waited, Is.LessThan(bound + TimeSpan.FromSeconds(3)), "and not much past its bound");
            Assert.That(relay.Holding, Is.False, "the hold itself is over, not just this connection's wait");
            Assert.That(relay.HeldConnections, Is.Zero);
        });

        var later = Stopwatch();
        using var next = await ConnectAsync(relay.Port);
        Assert.That(await RoundTripAsync(next, "free"), Is.EqualTo("free"));
        Assert.That(later.Elapsed, Is.LessThan(bound), "a connection after the bound does not wait again");
        await stop.CancelAsync();
    }

    [Test]
    public async Task A_switch_lets_the_held_connections_through_to_the_new_backend_before_the_bound()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var old = new TcpListener(IPAddress.Loopback, 0);
        using var fresh = new TcpListener(IPAddress.Loopback, 0);
        old.Start();
        fresh.Start();
        var echo = EchoAsync(fresh, stop.Token);
        await using var relay = new HoldingRelay(0, $"127.0.0.1:{((IPEndPoint)old.LocalEndpoint).Port}", TimeSpan.FromSeconds(30), NullLogger.Instance);

        relay.Hold();
        using var waiting = await ConnectAsync(relay.Port);
        var answer = RoundTripAsync(waiting, "moved");
        for (var i = 0; i < 200 && relay.HeldConnections == 0; i++) await Task.Delay(10);
        Assert.That(relay.HeldConnections, Is.EqualTo(1));

        var clock = Stopwatch();
        relay.Switch($"127.0.0.1:{((IPEndPoint)fresh.LocalEndpoint).Port}");
        Assert.That(await answer, Is.EqualTo("moved"), "the new backend (an echo; the old one never answers) got it");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(relay.Holding, Is.False);
        await stop.CancelAsync();
    }

    private static System.Diagnostics.Stopwatch Stopwatch() => System.Diagnostics.Stopwatch.StartNew();

    private static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    private static async Task<string> RoundTripAsync(TcpClient client, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), timeout.Token);
        var buffer = new byte[text.Length];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            if (n == 0) throw new IOException("closed");
            read += n;
        }
        return Encoding.ASCII.GetString(buffer);
    }

    /// <summary>True when the relay reset or closed a new connection: the connect, a write or a read fails or ends instead of waiting.</summary>
    private static async Task<bool> RefusedAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("x"u8.ToArray(), timeout.Token);
            return await stream.ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task EchoAsync(TcpListener listener, CancellationToken ct)
    {
        var clients = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(ct);
                clients.Add(Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[1024];
                        int n;
                        try
                        {
                            while ((n = await stream.ReadAsync(buffer, ct)) > 0) await stream.WriteAsync(buffer.AsMemory(0, n), ct);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException) { }
                    }
                }, ct));
            }
        }
        catch (OperationCanceledException) { }
    }
}
