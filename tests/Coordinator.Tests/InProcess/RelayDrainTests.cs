using System.Net;
using System.Net.Sockets;
using System.Text;
using Federation.Adapters.Relay;
using Federation.Adapters.Relay.Control;
using Federation.Adapters.Relay.Hosting;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// The drain after a hold, on 127.0.0.1 with persistent connections (one request line, one reply, the connection kept
/// open, as Redis or HTTP keep-alive clients do): idle ones are closed at once and their clients' next connections
/// wait in the hold; only connections with a request in flight are waited for, each closed after its whole reply.
/// </summary>
[TestFixture]
public sealed class RelayDrainTests
{
    /// <summary>A drain limit no test should reach unless it means to.</summary>
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(20);

    private CancellationTokenSource stop = null!;

    [SetUp]
    public void Start() => stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));

    [TearDown]
    public void Stop()
    {
        stop.Cancel();
        stop.Dispose();
    }

    [Test]
    public async Task An_idle_persistent_connection_is_closed_at_once_and_its_next_connection_waits_for_the_new_backend()
    {
        var old = Backend("old");
        var fresh = Backend("new");
        await using var relay = new HoldingRelay(0, old, TimeSpan.FromSeconds(60), NullLogger.Instance);
        using var client = await ConnectAsync(relay.Port);
        Assert.That(await AskAsync(client, "ping"), Is.EqualTo("old:ping"));

        relay.Hold();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await relay.DrainAsync(Long, stop.Token);
        var took = clock.Elapsed;
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Drained, Is.True);
            Assert.That(took, Is.LessThan(Long), "the idle connection was not waited for");
            Assert.That(outcome.IdleClosed, Is.EqualTo(1));
            Assert.That(outcome.InFlightWaited, Is.Zero);
            Assert.That(outcome.Undrained, Is.Zero);
        });
        Assert.That(await ReadToEndAsync(client), Is.Empty, "the relay closed the client's connection (an end, not a reset)");

        using var again = await ConnectAsync(relay.Port);
        var answer = AskAsync(again, "again");
        await WaitForAsync(() => relay.HeldConnections == 1 || answer.IsCompleted, "the new connection is held");
        Assert.That(answer.IsCompleted, Is.False, "it waits for the switch");
        relay.Switch(fresh);
        Assert.That(await answer, Is.EqualTo("new:again"));
    }

    [Test]
    public async Task A_request_in_flight_is_waited_for_and_its_whole_reply_arrives_before_the_close()
    {
        var received = Signal();
        var answer = Signal();
        var firstChunkSeen = Signal();
        var pauseOver = Signal();
        const int chunk = 8 * 1024, chunks = 8;
        var reply = Enumerable.Range(0, chunk * chunks).Select(i => (byte)(i % 251)).ToArray();
        var old = Backend("old", async (line, stream, ct) =>
        {
            received.TrySetResult();
            await answer.Task.WaitAsync(ct);
            await stream.WriteAsync(reply.AsMemory(0, chunk), ct);
            // The rest only once the first part reached the client and the drain has looked at the connection since:
            // the reply has begun and pauses, as a slow server's does.
            await pauseOver.Task.WaitAsync(ct);
            for (var i = 1; i < chunks; i++) await stream.WriteAsync(reply.AsMemory(i * chunk, chunk), ct);
        });
        // A quiet time far above the pause between the reply's parts, so that only a drain that closes mid-reply cuts it.
        await using var relay = new HoldingRelay(0, old, TimeSpan.FromSeconds(60), NullLogger.Instance, replyQuiet: TimeSpan.FromSeconds(3));
        using var client = await ConnectAsync(relay.Port);
        await client.GetStream().WriteAsync("slow\n"u8.ToArray(), stop.Token);
        var read = ReadToEndAsync(client, seen => { if (seen >= chunk) firstChunkSeen.TrySetResult(); });
        await received.Task.WaitAsync(stop.Token);

        relay.Hold();
        var passes = relay.DrainPasses;
        var drain = relay.DrainAsync(Long, stop.Token);
        await WaitForAsync(() => relay.DrainPasses >= passes + 20 || drain.IsCompleted, "the drain looks at the connection again and again");
        Assert.Multiple(() =>
        {
            Assert.That(drain.IsCompleted, Is.False, "the drain waits for the request in flight");
            Assert.That(relay.DrainWaitingFor, Is.EqualTo(1));
            Assert.That(read.IsCompleted, Is.False, "the connection is open");
        });

        answer.TrySetResult();
        await firstChunkSeen.Task.WaitAsync(stop.Token);
        passes = relay.DrainPasses;
        await WaitForAsync(() => relay.DrainPasses >= passes + 3 || drain.IsCompleted, "the drain looks at the connection in the reply's pause");
        pauseOver.TrySetResult();
        var outcome = await drain;
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Drained, Is.True);
            Assert.That(outcome.InFlightWaited, Is.EqualTo(1));
            Assert.That(outcome.IdleClosed, Is.Zero);
        });
        Assert.That(await read, Is.EqualTo(reply), "the whole reply, then the end of the connection");
    }

    [Test]
    public async Task A_request_still_in_flight_at_the_limit_is_reported_and_not_cut()
    {
        var received = Signal();
        var answer = Signal();
        var old = SlowOnRequestBackend(received, answer);
        await using var relay = new HoldingRelay(0, old, TimeSpan.FromSeconds(60), NullLogger.Instance);
        using var client = await ConnectAsync(relay.Port);
        var slow = AskAsync(client, "slow");
        await received.Task.WaitAsync(stop.Token);

        relay.Hold();
        var outcome = await relay.DrainAsync(TimeSpan.FromMilliseconds(300), stop.Token);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Drained, Is.False);
            Assert.That(outcome.Undrained, Is.EqualTo(1));
            Assert.That(outcome.InFlightWaited, Is.EqualTo(1));
            Assert.That(slow.IsCompleted, Is.False);
        });

        answer.TrySetResult();
        Assert.That(await slow, Is.EqualTo("slow-done"), "the reply came through after the drain gave up");
        Assert.That(await AskAsync(client, "more"), Is.EqualTo("old:more"), "the connection was not cut");
        Assert.That(relay.ForwardedConnections, Is.EqualTo(1));
    }

    [Test]
    public async Task Among_many_idle_persistent_connections_only_the_one_in_flight_is_waited_for()
    {
        const int idleCount = 50;
        var received = Signal();
        var answer = Signal();
        var old = SlowOnRequestBackend(received, answer);
        await using var relay = new HoldingRelay(0, old, TimeSpan.FromSeconds(60), NullLogger.Instance);
        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < idleCount; i++)
            {
                var client = await ConnectAsync(relay.Port);
                idle.Add(client);
                Assert.That(await AskAsync(client, $"ping{i}"), Is.EqualTo($"old:ping{i}"));
            }
            using var busy = await ConnectAsync(relay.Port);
            var slow = AskAsync(busy, "slow");
            await received.Task.WaitAsync(stop.Token);

            relay.Hold();
            var drain = relay.DrainAsync(Long, stop.Token);
            var ends = await Task.WhenAll(idle.Select(c => ReadToEndAsync(c)));
            Assert.That(ends.All(e => e.Length == 0), Is.True, "every idle connection was closed by the relay");
            await WaitForAsync(() => relay.ForwardedConnections == 1 || drain.IsCompleted, "the closed ones are gone");
            Assert.That(drain.IsCompleted, Is.False, "the request in flight is waited for");
            Assert.That(relay.DrainWaitingFor, Is.EqualTo(1), "and only it");

            answer.TrySetResult();
            var outcome = await drain;
            Assert.Multiple(() =>
            {
                Assert.That(outcome.Drained, Is.True);
                Assert.That(outcome.IdleClosed, Is.EqualTo(idleCount));
                Assert.That(outcome.InFlightWaited, Is.EqualTo(1));
                Assert.That(outcome.Undrained, Is.Zero);
            });
            Assert.That(await slow, Is.EqualTo("slow-done"));
            Assert.That(await ReadToEndAsync(busy), Is.Empty, "closed after its reply");
        }
        finally
        {
            foreach (var client in idle) client.Dispose();
        }
    }

    [Test]
    public async Task The_relays_hold_answer_counts_the_idle_connections_it_closed()
    {
        var old = Backend("old");
        var directory = Directory.CreateTempSubdirectory("fedrelay-");
        try
        {
            var settings = new RelaySettings { Directory = Path.Combine(directory.FullName, "relay"), MaxHold = TimeSpan.FromSeconds(20) };
            await using var server = await RelayServer.StartAsync(settings);
            using var channel = RelayChannel.ForSocket(settings.SocketPath);
            var control = new Relay.RelayClient(channel);
            var route = await control.OpenRouteAsync(new OpenRelayRouteRequest { Name = "default/kept", Ports = { new RelayPort { Port = 6379, Backend = old } } });
            using var client = await ConnectAsync((int)route.Ports.Single().ListenPort);
            Assert.That(await AskAsync(client, "ping"), Is.EqualTo("old:ping"));

            var held = await control.HoldRouteAsync(new HoldRelayRouteRequest
            {
                Name = "default/kept", DrainLimit = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Long),
            }, cancellationToken: stop.Token);
            Assert.Multiple(() =>
            {
                Assert.That(held.IdleConnectionsClosed, Is.EqualTo(1));
                Assert.That(held.InFlightConnectionsWaited, Is.Zero);
                Assert.That(held.UndrainedConnections, Is.Zero);
                Assert.That(held.UndrainedPorts, Is.Empty);
                Assert.That(held.Route.Ports.Single().Holding, Is.True);
            });
            Assert.That(await ReadToEndAsync(client), Is.Empty);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A backend's usual answer: "{name}:{line}" on a line.</summary>
    private static async Task ReplyAsync(string name, string line, NetworkStream stream, CancellationToken ct) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{name}:{line}\n"), ct);

    /// <summary>Backend "old": answers as usual, except "slow", which it signals on <paramref name="received"/> and answers ("slow-done") once <paramref name="answer"/> is set.</summary>
    private string SlowOnRequestBackend(TaskCompletionSource received, TaskCompletionSource answer) =>
        Backend("old", async (line, stream, ct) =>
        {
            if (line != "slow")
            {
                await ReplyAsync("old", line, stream, ct);
                return;
            }
            received.TrySetResult();
            await answer.Task.WaitAsync(ct);
            await stream.WriteAsync("slow-done\n"u8.ToArray(), ct);
        });

    /// <summary>
    /// A backend on 127.0.0.1 that serves persistent connections: for every request line it calls
    /// <paramref name="answer"/>, or without one gives the usual answer (<see cref="ReplyAsync"/>).
    /// </summary>
    private string Backend(string name, Func<string, NetworkStream, CancellationToken, Task>? answer = null) =>
        LoopbackBackend.Start((client, ct) =>
        {
            _ = ServeAsync(client, name, answer, ct);
            return Task.CompletedTask;
        }, stop.Token);

    private static async Task ServeAsync(TcpClient client, string name, Func<string, NetworkStream, CancellationToken, Task>? answer, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                for (var i = 0; i < 10_000 && await reader.ReadLineAsync(ct) is { } line; i++)
                {
                    if (answer is null) await ReplyAsync(name, line, stream, ct);
                    else await answer(line, stream, ct);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException) { }
        }
    }

    private static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    /// <summary>Sends one line and reads the one-line reply, keeping the connection open.</summary>
    private async Task<string> AskAsync(TcpClient client, string line)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), timeout.Token);
        var reply = new List<byte>();
        var one = new byte[1];
        while (reply.Count < 1024)
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0) throw new IOException($"the connection ended after '{Encoding.ASCII.GetString([.. reply])}'");
            if (one[0] == '\n') break;
            reply.Add(one[0]);
        }
        return Encoding.ASCII.GetString([.. reply]);
    }

    /// <summary>Every byte until the connection ends (a reset is an error, not an end).</summary>
    private async Task<byte[]> ReadToEndAsync(TcpClient client, Action<int>? seen = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var stream = client.GetStream();
        var all = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            all.Write(buffer, 0, read);
            seen?.Invoke((int)all.Length);
        }
        return all.ToArray();
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 2000; i++)
        {
            if (condition()) return;
            await Task.Delay(5);
        }
        Assert.Fail($"{what}: not within 10 s");
    }
}
